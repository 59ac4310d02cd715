"""The participant's cabinet reads the same number of queries however many lectures, live sessions
and tests the track has (house rule: the same count at N and N+1 rows). The cabinet is the
heaviest page `make load` opens (docs/deploy/capacity.md): its panels share what they both read
(lms.memo), so the courses and completeness panels read the track's lectures and the participant's
extensions once, and the tests and diagnostics panels the track's tests."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from assessments.models.quizzes import DiagnosticPhase
from assessments.tests.factories import QuizFactory
from courses.services import deadline_extension_grant
from courses.tests.factories import course_make, lecture_make
from live.models import SessionRegistration
from live.tests.factories import LiveSessionFactory, season_session_make
from tests.factories import ParticipantFactory, SeasonFactory, UserFactory

pytestmark = pytest.mark.django_db

# The queries of one cabinet page:
#  1 the session                    2 the user
#  3 the user's roles (one query for all of them)
#  4 the participant and season     5 the latest held application
#  6 an authenticator app (the security card)
#  7 the published admission decision
#  8 the track's courses            9 their lectures with videos       (shared by two panels)
# 10 the participant's deadline extensions                                (shared by two panels)
# 11 stored lecture progress
# 12 the admission policy          13 the required live sessions
# 14 manual attendance marks       15 attendance, grouped
# 16 lecture completions in time   17 the required tests              18 test scores, grouped
# 19 the live sessions             20 my attendance in them
# 21 the tests with my attempts and deadlines (shared by the tests and diagnostics panels)
# 22 the diagnostics' attempts
# 23 the certificate               24 internship preferences (a count) 25 the latest CV
# 26 my line of the latest published placement run
# 27 the ministries' applied decisions on me (a Beginner reads nothing more of the ministries)
# (The site and the programme's settings come from the cache: cms.selectors.)
CABINET_QUERIES = 27


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
    assert page.status_code == 200
    html = page.content.decode()
    assert len(re.findall(r'data-testid="lecture-\d+"', html)) == count
    assert html.count("/unregister/") == count and html.count("/register/") == count
