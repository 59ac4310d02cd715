from lms.middleware import SESSION_TIMEZONE_KEY


def expert_timezone_remember_on_login(sender, request, user, **kwargs) -> None:
    """An expert's own zone into the session at login, as lms does for participants (a participant's
    zone, already there, wins)."""
    from assessments.models import ExpertProfile

    if request is None or not hasattr(request, "session") or SESSION_TIMEZONE_KEY in request.session:
        return
    tz = ExpertProfile.objects.filter(user_id=user.pk).values_list("timezone", flat=True).first()
    if tz:
        request.session[SESSION_TIMEZONE_KEY] = tz
