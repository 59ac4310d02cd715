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


def track_tests_forget(sender, **kwargs) -> None:
    """A test, an extension of one or an admission policy changed: pages read the track's tests and
    policy afresh (assessments.selectors.quizzes.TRACK_TESTS_CACHE)."""
    from assessments.selectors.quizzes import TRACK_TESTS_CACHE
    from lms.memo import page_cache_forget

    page_cache_forget(subject=TRACK_TESTS_CACHE)


def season_outcomes_forget(sender, **kwargs) -> None:
    """A run or a wave of ministry decisions changed: pages read afresh what of the season is
    published (assessments.selectors.published)."""
    from assessments.selectors.published import SEASON_OUTCOMES_CACHE
    from lms.memo import page_cache_forget

    page_cache_forget(subject=SEASON_OUTCOMES_CACHE)
