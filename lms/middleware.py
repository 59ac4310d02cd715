import contextlib
import zoneinfo

from django.utils import timezone

SESSION_TIMEZONE_KEY = "lms_timezone"


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
