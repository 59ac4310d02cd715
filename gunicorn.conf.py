# gunicorn reads this file from the working directory by itself (`gunicorn lms.wsgi`): the access
# log, when one is asked for (--access-logfile), never keeps a signed playback token.
logger_class = "lms.logging.GunicornLogger"


def child_exit(server, worker):
    """In Prometheus's multiprocess mode (PROMETHEUS_MULTIPROC_DIR, lms/metrics.py), a dead worker's
    live gauges must stop counting; its counters stay in the sums."""
    import os

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
