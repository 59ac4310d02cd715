"""Errors to Sentry (sentry-sdk), only when SENTRY_DSN is set: without it the SDK is never started,
so nothing is sent anywhere and no integration patches Django or Celery.

No personal data leaves with an event (send_default_pii off: no cookies, no user's e-mail or IP),
and signed tokens are cut from request URLs and breadcrumbs as from our logs (lms.logging)."""

from lms.logging import secrets_redact


def sentry_init(*, dsn: str, environment: str, release: str = "", traces_sample_rate: float = 0.0) -> bool:
    """Start the SDK for the web process and the Celery workers; False (and nothing done) without a DSN."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        traces_sample_rate=traces_sample_rate,
        before_send=_event_redact,
        before_breadcrumb=_breadcrumb_redact,
    )
    return True


def _event_redact(event: dict, hint: dict) -> dict:
    request = event.get("request") or {}
    for field in ("url", "query_string"):
        if isinstance(request.get(field), str):
            request[field] = secrets_redact(request[field])
    headers = request.get("headers") or {}
    if isinstance(headers.get("Referer"), str):
        headers["Referer"] = secrets_redact(headers["Referer"])
    return event


def _breadcrumb_redact(crumb: dict, hint: dict) -> dict:
    if isinstance(crumb.get("message"), str):
        crumb["message"] = secrets_redact(crumb["message"])
    data = crumb.get("data") or {}
    if isinstance(data.get("url"), str):
        data["url"] = secrets_redact(data["url"])
    return crumb
