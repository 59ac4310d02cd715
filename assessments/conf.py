"""The app's settings, read at call time so tests and deployments may change them."""

from lms.appsettings import app_setting


def extra_score_module_paths() -> list[str]:
    return list(app_setting("ASSESSMENTS_SCORE_MODULES", []))


def run_lease_seconds() -> int:
    """A running admission run whose claim is older than this belongs to a dead worker: a redelivered
    task or the periodic sweep may claim it again (a 100,000-participant run takes seconds)."""
    return int(app_setting("ASSESSMENTS_RUN_LEASE_SECONDS", 15 * 60))


def run_max_attempts() -> int:
    """How many times a run is claimed before it is given up as failed (a run that kills its worker
    every time must not be retried for ever)."""
    return int(app_setting("ASSESSMENTS_RUN_MAX_ATTEMPTS", 3))


def email_claim_seconds() -> int:
    """A participant's admission e-mail claimed this long ago and not marked sent belongs to a
    worker that died while sending: a later task may send it."""
    return int(app_setting("ASSESSMENTS_EMAIL_CLAIM_SECONDS", 10 * 60))


def run_work_mem() -> str:
    """PostgreSQL's work_mem for an admission run's reads (SET LOCAL, their transaction only): each
    score module's statement folds every participant's rows in a hash of one entry per participant
    (about 15 MB at 100,000), which the server's default (4MB) would spill to disk."""
    return str(app_setting("ASSESSMENTS_RUN_WORK_MEM", "64MB"))


def certificates_inline_limit() -> int:
    """A season with more certificates missing than this is issued by the worker (a
    CertificateBatch), not inside the staff member's request."""
    return int(app_setting("ASSESSMENTS_CERTIFICATES_INLINE_LIMIT", 300))
