import zoneinfo

from django.utils import timezone

SESSION_TIMEZONE_KEY = "lms_timezone"


class ParticipantTimezoneMiddleware:
    """Show times in the participant's own zone. The zone is read into the session at login, so
    pages do not pay a query for it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tz = request.session.get(SESSION_TIMEZONE_KEY) if hasattr(request, "session") else None
        if tz:
            try:
                timezone.activate(zoneinfo.ZoneInfo(tz))
            except zoneinfo.ZoneInfoNotFoundError:
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)
