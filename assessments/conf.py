"""The app's settings, read at call time so tests and deployments may change them."""

from django.conf import settings


def extra_score_module_paths() -> list[str]:
    return list(getattr(settings, "ASSESSMENTS_SCORE_MODULES", []))
