"""The service's own figures for Prometheus (prometheus-client), served at /metrics (lms.views).

Each app declares its figures in its own `metrics.py` with the helpers below and updates them in its
services, so no app reaches into another's: counters and histograms change where the work is done
(a beat judged, a transcode finished, an admission run computed), and figures read from a store at
scrape time (the beat stream's backlog, the transcode queue) are registered with `gauge_register`.

Several processes — gunicorn's workers, the Celery workers — each count their own. With
PROMETHEUS_MULTIPROC_DIR set in the environment of every process (`make stack` sets it), the client
keeps the values in files there and /metrics adds them up across processes; without it (one
process, the tests) the values live in this process's registry."""

import logging
import os
from collections.abc import Callable, Mapping, Sequence

from prometheus_client import REGISTRY, Counter, Histogram, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

logger = logging.getLogger(__name__)

PREFIX = "lms_"
CONTENT_TYPE = CONTENT_TYPE_LATEST
# Seconds, from a fraction of a second (a beat, a small run) to hours (a long webinar's transcode).
DURATION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600)

GaugeRead = Callable[[], float | None | Mapping[str, float]]
_gauges: dict[str, tuple[str, GaugeRead, str | None]] = {}


def counter(name: str, documentation: str, labelnames: Sequence[str] = ()) -> Counter:
    """A counter named `lms_<name>`; declare it once, at import of the app's metrics module."""
    return Counter(PREFIX + name, documentation, labelnames)


def histogram(
    name: str, documentation: str, labelnames: Sequence[str] = (), buckets: Sequence[float] = DURATION_BUCKETS
) -> Histogram:
    return Histogram(PREFIX + name, documentation, labelnames, buckets=buckets)


def gauge_register(*, name: str, documentation: str, read: GaugeRead, label: str | None = None) -> None:
    """A gauge `lms_<name>` read when /metrics is asked: `read()` returns the value (None: unknown
    now, left out), or with `label` a {label value: value} mapping. Apps call this from ready()."""
    _gauges[PREFIX + name] = (documentation, read, label)


def _scrape_time_gauges():
    for name, (documentation, read, label) in _gauges.items():
        try:
            value = read()
        except Exception:
            # One store away (Redis restarting) must not take the other figures with it.
            logger.exception("metric %s could not be read", name)
            continue
        if value is None:
            continue
        family = GaugeMetricFamily(name, documentation, labels=[label] if label else None)
        if label:
            for key, number in sorted(value.items()):
                family.add_metric([key], number)
        else:
            family.add_metric([], value)
        yield family


class _Exposition:
    """What /metrics shows: the counted figures (summed over processes in multiprocess mode) and
    the scrape-time gauges."""

    def collect(self):
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            yield from multiprocess.MultiProcessCollector(None).collect()
        else:
            yield from REGISTRY.collect()
        yield from _scrape_time_gauges()


def metrics_text() -> bytes:
    return generate_latest(_Exposition())
