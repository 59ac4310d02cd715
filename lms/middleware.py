import contextlib
import re
import uuid
import zoneinfo

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.core.signals import request_finished
from django.utils import timezone

from lms.logging import REQUEST_ID
from lms.social.endpoints import authorize_origins

SESSION_TIMEZONE_KEY = "lms_timezone"
# An id sent by the proxy (nginx's $request_id is 32 hex digits) or a client: short and plain, so a
# forged one cannot break a log line or smuggle text into it; anything else is replaced.
REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._-]{8,64}")


def sessionless(view):
    """Mark a view that must never load the session: the beat endpoints, hit by every viewer every
    few seconds with their session cookie attached, where loading it would be a database read per
    beat. Such a view answers in the server's zone unless it says otherwise."""
    view.sessionless = True
    return view


class ParticipantTimezoneMiddleware:
    """Show times in the participant's own zone. The zone is read into the session at login, so
    pages do not pay a query for it; it is activated once the view is known, so a sessionless view
    never loads the session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        timezone.deactivate()
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, "sessionless", False) or not hasattr(request, "session"):
            return None
        tz = request.session.get(SESSION_TIMEZONE_KEY)
        if tz:
            # A zone this server no longer knows: the server's zone, rather than an error page.
            with contextlib.suppress(zoneinfo.ZoneInfoNotFoundError):
                timezone.activate(zoneinfo.ZoneInfo(tz))
        return None


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with Wagtail's admin and the Django admin under their own policy
    (CONTENT_SECURITY_POLICY_ADMIN, on CONTENT_SECURITY_POLICY_ADMIN_PREFIXES): their templates
    write inline scripts, ours do not. A view's own decorator (csp_update etc.) still applies."""

    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request=request, response=response, report_only=report_only)
        if parts.config is None and not report_only and request.path_info.startswith(_admin_prefixes()):
            parts.config = settings.CONTENT_SECURITY_POLICY_ADMIN["DIRECTIVES"]
        # The buttons of VK ID and Yandex ID are forms whose answer redirects to the provider's
        # authorize page: form-action must allow that origin, or the browser stops there.
        if request.path_info.startswith(SOCIAL_LOGIN_FORMS_PREFIX) and (origins := authorize_origins()):
            update = dict(parts.update or {})
            update["form-action"] = [*update.get("form-action", []), *origins]
            parts.update = update
        return parts


# The pages that carry the providers' login or connect buttons (login, sign-up, connections, the
# provider's own confirmation page) are allauth's, all under /accounts/.
SOCIAL_LOGIN_FORMS_PREFIX = "/accounts/"


def _admin_prefixes() -> tuple[str, ...]:
    return tuple(settings.CONTENT_SECURITY_POLICY_ADMIN_PREFIXES)


class PermissionsPolicyMiddleware:
    """The Permissions-Policy header (PERMISSIONS_POLICY): browser features no page of ours uses."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class RequestIdMiddleware:
    """Each request gets an id: nginx's (X-Request-ID, so its access log and ours meet) or a new
    one. Every log record written while the request is served carries it (lms.logging), and the
    answer sends it back in X-Request-ID for a person reporting a problem to quote."""

    def __init__(self, get_response):
        self.get_response = get_response
        # Django logs a 4xx/5xx answer after the middleware has returned it: the id stays set until
        # the answer is sent (request_finished), not just while the middleware runs.
        request_finished.connect(_request_id_clear, dispatch_uid="lms.request_id_clear")

    def __call__(self, request):
        sent = request.headers.get("X-Request-ID", "")
        request.request_id = sent if REQUEST_ID_RE.fullmatch(sent) else uuid.uuid4().hex
        REQUEST_ID.set(request.request_id)
        response = self.get_response(request)
        response.headers.setdefault("X-Request-ID", request.request_id)
        return response


def _request_id_clear(**kwargs) -> None:
    REQUEST_ID.set("-")
