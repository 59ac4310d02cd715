"""Query counts of the live app's list selectors and list endpoints, at N and N+1 rows (house
rule): the number must not grow with the rows."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.utils import timezone

from live.cabinet import _live_context
from live.models import AttendanceEvent, ManualMark
from live.selectors import (
    attendance_table,
    latest_manual_marks,
    manual_mark_history,
    session_list_for_console,
    session_minute_counts,
    session_participant_user_ids,
    session_presence_timeline,
    session_roster_now,
)
from live.services.attendance import session_attendance_derive
from live.tests.factories import LiveSessionFactory, SpeakerFactory
from tests.factories import ParticipantFactory, SeasonFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 2, 3, 9, 0, tzinfo=UTC)
NOW = START + timedelta(minutes=30)  # the session runs: the roster and the chart have something to show


@pytest.fixture(autouse=True)
def _no_redis(settings):
    # Without Redis the console's beat flush touches nothing: only the database is counted.
    settings.REDIS_URL = ""


def _speaker():
    speaker = SpeakerFactory()
    speaker.user.groups.add(Group.objects.get_or_create(name="speaker")[0])
    return speaker


def _populated_session(count: int, *, start: datetime = START, now: datetime = NOW):
    """A running session with `count` participants of its track and `count` other people with
    figures (another track: they reach the table through their rows). Every one of them has a
    BBB join, page beats and a manual mark; the participants have two marks each (history)."""
    season = SeasonFactory()
    speaker = _speaker()
    session = LiveSessionFactory(
        season=season, speakers=[speaker], starts_at=start, ends_at=start + timedelta(hours=1), actual_started_at=start
    )
    people = [ParticipantFactory(season=season) for _ in range(count)]
    others = [ParticipantFactory(season=season, level="pro").user for _ in range(count)]
    users = [p.user for p in people] + others
    events = []
    for index, user in enumerate(users):
        events.append(
            AttendanceEvent(
                session=session,
                user=user,
                source="bbb",
                kind="join",
                connection=f"w_{user.pk}",
                occurred_at=start + timedelta(minutes=index),
                dedupe_key=f"j{user.pk}",
            )
        )
        events += [
            AttendanceEvent(
                session=session,
                user=user,
                source="page",
                kind="beat",
                connection=f"tab{user.pk}",
                occurred_at=now - timedelta(seconds=30 * beat),
                dedupe_key=f"b{user.pk}:{beat}",
            )
            for beat in range(3)
        ]
    AttendanceEvent.objects.bulk_create(events)
    ManualMark.objects.bulk_create(
        [ManualMark(session=session, user=u, status="late", marked_by=speaker.user) for u in users]
        + [ManualMark(session=session, user=p.user, status="present", marked_by=speaker.user) for p in people]
    )
    session_attendance_derive(session=session, now=now)
    session.refresh_from_db()  # as a caller holds it: no season or course read along
    return session, speaker, people, others


@pytest.mark.parametrize("count", [3, 4])
def test_presence_timeline_roster_and_minute_counts(django_assert_num_queries, count):
    session, _speaker_, people, others = _populated_session(count)
    with django_assert_num_queries(1):  # the session's events
        timeline = session_presence_timeline(session=session, now=NOW)
    assert len(timeline) == 2 * count
    # the session's events; the present participants of the track (with their applications)
    with django_assert_num_queries(2):
        roster = session_roster_now(session=session, now=NOW)
    assert sorted(row["user_id"] for row in roster) == sorted(p.user_id for p in people)
    assert {row["name"] for row in roster} == {p.application.full_name for p in people}
    with django_assert_num_queries(1):  # the session's events
        counts = session_minute_counts(session=session, now=NOW)
    assert len(counts) == 30
    assert counts[-1] == 2 * count  # everyone joined within the first minutes and still beats


@pytest.mark.parametrize("count", [3, 4])
def test_attendance_table(django_assert_num_queries, count):
    session, _speaker_, people, others = _populated_session(count)
    # the track's participants (with users and applications); the attendance rows (with users);
    # the manual marks
    with django_assert_num_queries(3):
        table = attendance_table(session=session)
    mine = table[:count]
    assert {row["user_id"] for row in mine} == {p.user_id for p in people}
    assert {row["name"] for row in mine} == {p.application.full_name for p in people}
    assert {(row["user_id"], row["email"]) for row in table[count:]} == {(u.pk, u.email) for u in others}
    assert {row["status"] for row in mine} == {"present"}  # the latest mark of each
    assert {row["status"] for row in table[count:]} == {"late"}


@pytest.mark.parametrize("count", [3, 4])
def test_marks_participants_and_history(django_assert_num_queries, count):
    session, _speaker_, people, others = _populated_session(count)
    with django_assert_num_queries(1):
        marks = latest_manual_marks(session_ids=[session.pk])
    assert len(marks) == 2 * count
    with django_assert_num_queries(1):
        ids = session_participant_user_ids(session=session)
    assert sorted(ids) == sorted(p.user_id for p in people)
    with django_assert_num_queries(1):  # the marks with who was marked and who marked
        history = [(m.user.get_full_name(), m.marked_by.username) for m in manual_mark_history(session=session)]
    assert len(history) == 3 * count


def _sessions_for(speaker, count: int):
    season = SeasonFactory()
    for day in range(count):
        LiveSessionFactory(
            season=season,
            speakers=[speaker],
            starts_at=START + timedelta(days=day),
            ends_at=START + timedelta(days=day, hours=1),
        )
    LiveSessionFactory(season=season, speakers=[_speaker()])  # someone else's


@pytest.mark.parametrize("count", [3, 4])
def test_console_session_list(client, django_assert_num_queries, count):
    speaker = _speaker()
    _sessions_for(speaker, count)
    second = _speaker()  # two speakers of one session must not list it twice
    for session in speaker.sessions.all():
        session.speakers.add(second)
    with django_assert_num_queries(2):  # "staff"?; the sessions
        sessions = list(session_list_for_console(user=speaker.user))
    assert len(sessions) == count
    client.force_login(speaker.user)
    client.get("/live/console/")  # the first request of a site creates its programme settings
    # user (the session comes from the cache); "staff"?, "speaker"? (the console's door); "staff"?,
    # the sessions (the list) (the base template's programme settings come from the cache: cms.selectors)
    with django_assert_num_queries(5):
        response = client.get("/live/console/")
    assert response.status_code == 200
    assert len(response.context["sessions"]) == count


@pytest.mark.parametrize("count", [3, 4])
def test_roster_api(api_client, django_assert_num_queries, count):
    now = timezone.now()
    session, speaker, people, _others = _populated_session(count, start=now - timedelta(minutes=30), now=now)
    api_client.force_authenticate(speaker.user)
    # the session; "staff"?, the speakers (may manage); the session's events; the present participants
    with django_assert_num_queries(5):
        response = api_client.get(f"/api/v1/live-sessions/{session.pk}/roster/")
    assert response.status_code == 200
    assert sorted(row["user_id"] for row in response.json()) == sorted(p.user_id for p in people)


@pytest.mark.parametrize("count", [3, 4])
def test_console_detail_and_exports(client, django_assert_num_queries, count):
    now = timezone.now()
    session, speaker, people, _others = _populated_session(count, start=now - timedelta(minutes=30), now=now)
    client.force_login(speaker.user)
    client.get("/live/console/")  # the first request of a site creates its programme settings
    # user (the session from the cache); the session (with season and course); "staff"?, the speakers (may manage);
    # roster: events, participants; chart: events; table: participants, rows, marks; recordings; the
    # marks' history; "staff?", the speakers (may correct the times); the corrections' history. No
    # derivation: the page reads the stored figures. The programme settings come from the cache.
    with django_assert_num_queries(15):
        response = client.get(f"/live/console/{session.pk}/")
    assert response.status_code == 200
    assert len(response.context["table"]) == 2 * count
    assert len(response.context["roster"]) == count
    for fmt in ("csv", "xlsx"):
        # user (the session from the cache); the session; "staff"?, the speakers; table (3): the stored figures
        with django_assert_num_queries(7):
            response = client.get(f"/live/console/{session.pk}/export.{fmt}")
        assert response.status_code == 200


@pytest.mark.parametrize("count", [2, 3])
def test_cabinet_panel_of_live_sessions(django_assert_num_queries, count):
    season = SeasonFactory()
    me = ParticipantFactory(season=season)
    for day in range(count):  # past ones (with my figures) and upcoming ones
        LiveSessionFactory(
            season=season, starts_at=START + timedelta(days=day), ends_at=START + timedelta(days=day, hours=1)
        )
        LiveSessionFactory(
            season=season,
            starts_at=datetime(2099, 1, 1, tzinfo=UTC) + timedelta(days=day),
            ends_at=datetime(2099, 1, 1, 1, tzinfo=UTC) + timedelta(days=day),
        )
    LiveSessionFactory(starts_at=START, ends_at=START + timedelta(hours=1))  # another season's
    request = RequestFactory().get("/cabinet/")
    request.user = me.user
    # the sessions; my attendance rows (the cabinet hands the panel its participant)
    with django_assert_num_queries(2):
        context = _live_context(request, me)
    assert (len(context["past"]), len(context["upcoming"])) == (count, count)
