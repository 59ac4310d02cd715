"""/health/ for load balancers and monitoring (django-health-check): the database, the cache, the
default storage, a live worker for each Celery queue, and what the apps register (courses: the beat
stream's backlog). 200 when every check passes, 500 naming the failed ones otherwise; `?format=json`
or `Accept: application/json` for a machine."""

import dataclasses
import datetime

from django.conf import settings
from health_check.base import HealthCheck
from health_check.checks import Cache, Database, Storage
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView

_registered: list[HealthCheck] = []


def health_check_register(check: HealthCheck) -> None:
    """Add an app's check to /health/ (from its AppConfig.ready())."""
    if check not in _registered:
        _registered.append(check)


@dataclasses.dataclass
class CeleryQueueWorker(HealthCheck):
    """Some live worker consumes `queue`: a broadcast that only running workers answer (a ping),
    asking each which queues it reads. A queue nobody reads fills up silently otherwise — the
    transcode machines down while the default workers are fine."""

    queue: str = "default"
    timeout: datetime.timedelta = dataclasses.field(default=datetime.timedelta(seconds=1), repr=False)

    def run(self) -> None:
        from lms.celery import app

        try:
            replies = app.control.inspect(timeout=self.timeout.total_seconds()).active_queues() or {}
        except OSError as error:
            raise ServiceUnavailable("the broker cannot be reached") from error
        if not any(queue.get("name") == self.queue for queues in replies.values() for queue in queues):
            raise ServiceUnavailable(f"no live worker reads the {self.queue!r} queue")


def celery_queues() -> list[str]:
    return [settings.CELERY_TASK_DEFAULT_QUEUE, settings.CELERY_TRANSCODE_QUEUE]


def health_checks() -> list[HealthCheck]:
    checks: list[HealthCheck] = [Database(), Cache(), Storage()]
    # Eager Celery (the embedded demo) runs tasks in the request: there is no worker to ask for.
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        checks += [CeleryQueueWorker(queue=queue) for queue in celery_queues()]
    return checks + _registered


class HealthView(HealthCheckView):
    def get_checks(self):
        yield from health_checks()
