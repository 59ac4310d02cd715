"""The participant's cabinet reads the same number of queries however many lectures, live sessions
and tests the track has (house rule: the same count at N and N+1 rows). The cabinet is the
heaviest page `make load` opens (docs/deploy/capacity.md): its panels share what they both read
(lms.memo), so the courses and completeness panels read the track's lectures and the participant's
extensions once, and the tests and diagnostics panels the track's tests."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from assessments.models.quizzes import DiagnosticPhase
from assessments.tests.factories import QuizFactory
from courses.services import deadline_extension_grant
from courses.tests.factories import course_make, lecture_make
from live.models import SessionRegistration
from live.tests.factories import LiveSessionFactory, season_session_make
from tests.factories import ParticipantFactory, SeasonFactory, UserFactory

pytestmark = pytest.mark.django_db

# The queries of one cabinet page (the session comes from the cache, cached_db):
#  1 the user                       2 the user's roles (one query for all of them)
#  3 the participant and season     4 the latest held application (its id: none here)
#  5 an authenticator app (the security card)
#  6 the videos of the track's lectures (shared by two panels)
#  7 the participant's deadline extensions (shared by two panels; read only when someone has one)
#  8 stored lecture progress
#  9 attendance, grouped (manual marks only when a speaker marked someone by hand)
# 10 lecture completions in time    11 test scores, grouped
# 12 the season-wide sessions' registrations                 13 my attendance in the sessions
# 14 my attempts at the tests (shared by the tests and diagnostics panels)
# 15 the certificates (their ids: none here)
# 16 internship preferences counted and the latest CV's number, in one
# What is the same for everyone of the track comes from the pages' cache (lms.memo.page_cached),
# read when a page finds it missing or outdated: the courses and their lectures (2), the tests (1),
# the admission policy (1), the live sessions (1), and what of the season is published (3: until
# an admission run, a placement or a wave of ministry decisions is, their panels read nothing).
# (The site and the programme's settings come from the cache: cms.selectors.)
CABINET_QUERIES = 16
# With the cache emptied: the pages' cache's 8, the session (from the database), the site and its
# programme settings (2) and Wagtail's site root paths for the page links (1).
COLD_CACHE_QUERIES = 12


@pytest.mark.parametrize("count", [2, 3])
def test_the_cabinet_reads_a_fixed_number_of_queries(client, django_assert_num_queries, count):
    season = SeasonFactory()
    participant = ParticipantFactory(season=season)
    course = course_make(season=season)
    staff = UserFactory()
    now = timezone.now()
    for number in range(count):
        lecture = lecture_make(course=course, required=number % 2 == 0)
        deadline_extension_grant(
            user=participant.user, lecture=lecture, deadline=lecture.deadline + timedelta(days=3),
            reason="Болел", granted_by=staff,
        )  # fmt: skip
        LiveSessionFactory(season=season, starts_at=now - timedelta(days=number + 1), required=True)
        LiveSessionFactory(season=season, starts_at=now + timedelta(days=number + 1))
        QuizFactory(season=season, required=number % 2 == 0)
        # The closing meeting's season-wide sessions share the live sessions' query (issue 15 §5):
        # one registered for, one open to register, one full.
        for capacity, registered in ((None, True), (5, False), (1, False)):
            closing = season_session_make(season=season, capacity=capacity, starts_in=timedelta(days=number + 2))
            if registered:
                SessionRegistration.objects.create(session=closing, user=participant.user)
            elif capacity == 1:
                SessionRegistration.objects.create(session=closing, user=ParticipantFactory(season=season).user)
    QuizFactory(season=season, diagnostic_phase=DiagnosticPhase.START)
    client.force_login(participant.user)
    client.get("/cabinet/")  # the first request of a session may store what later ones read
    with django_assert_num_queries(CABINET_QUERIES):
        page = client.get("/cabinet/")
    cache.clear()  # as after a change: the page reads what the pages' cache holds, once
    with django_assert_num_queries(CABINET_QUERIES + COLD_CACHE_QUERIES):
        cold = client.get("/cabinet/")
    assert _without_tokens(cold) == _without_tokens(page)
    assert page.status_code == 200
    html = page.content.decode()
    assert len(re.findall(r'data-testid="lecture-\d+"', html)) == count
    assert html.count("/unregister/") == count and html.count("/register/") == count


def _without_tokens(page) -> str:
    """The page less its CSRF tokens, which are masked afresh on every answer."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page.content.decode())
