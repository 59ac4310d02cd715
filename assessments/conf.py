"""The app's settings, read at call time so tests and deployments may change them."""

from django.conf import settings


def extra_score_module_paths() -> list[str]:
    return list(getattr(settings, "ASSESSMENTS_SCORE_MODULES", []))


def run_lease_seconds() -> int:
    """A running admission run whose claim is older than this belongs to a dead worker: a redelivered
    task or the periodic sweep may claim it again (a 100,000-participant run takes seconds)."""
    return int(getattr(settings, "ASSESSMENTS_RUN_LEASE_SECONDS", 15 * 60))


def run_max_attempts() -> int:
    """How many times a run is claimed before it is given up as failed (a run that kills its worker
    every time must not be retried for ever)."""
    return int(getattr(settings, "ASSESSMENTS_RUN_MAX_ATTEMPTS", 3))


def email_claim_seconds() -> int:
    """A participant's admission e-mail claimed this long ago and not marked sent belongs to a
    worker that died while sending: a later task may send it."""
    return int(getattr(settings, "ASSESSMENTS_EMAIL_CLAIM_SECONDS", 10 * 60))
