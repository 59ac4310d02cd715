from celery import shared_task

from courses import conf, services
from lms.celery import app


@shared_task(name="courses.lecture_progress_flush_task", acks_late=True)
def lecture_progress_flush_task() -> int:
    """Move credited spans from Redis to PostgreSQL. Idempotent: entries are acknowledged only
    after the commit and spans merge as a union, so a re-run after a crash counts nothing twice."""
    return services.lecture_progress_flush()


@app.on_after_finalize.connect
def _schedule_flush(sender, **kwargs) -> None:
    sender.add_periodic_task(
        conf.flush_interval_seconds(), lecture_progress_flush_task.s(), name="courses: flush progress"
    )
