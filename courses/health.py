"""The beat stream's check on /health/ (lms.health): credited spans must not wait long for the flush."""

import dataclasses

from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable

from courses import conf
from courses.selectors import progress_flush_health


@dataclasses.dataclass
class BeatStream(HealthCheck):
    """Fails when the beat store (Redis) cannot be reached, or when the oldest credited span has
    waited longer than COURSES_FLUSH_HEALTH_MAX_AGE_SECONDS: the flush fails (the database away, no
    worker on the default queue, beat stopped) and viewers' progress is not reaching PostgreSQL. A
    long backlog that is young is a busy minute, not a failure."""

    def run(self) -> None:
        health = progress_flush_health()
        if not health.reachable:
            raise ServiceUnavailable("the beat store (Redis) cannot be reached")
        limit = conf.flush_health_max_age_seconds()
        if health.oldest_age_seconds is not None and health.oldest_age_seconds > limit:
            raise ServiceUnavailable(
                f"{health.pending} credited spans wait for the flush, the oldest for "
                f"{health.oldest_age_seconds:.0f} s (more than {limit:g} s)"
            )
