"""assessments' figures for Prometheus (lms.metrics)."""

from lms.metrics import histogram

ADMISSION_RUN_SECONDS = histogram(
    "admission_run_duration_seconds",
    "Wall time of an admission run from its claim to its end (done or failed), by result.",
    ["result"],
)
