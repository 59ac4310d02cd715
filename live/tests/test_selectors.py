from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from live.models import Attendance, AttendanceEvent
from live.selectors import required_sessions_attendance
from live.services.attendance import attendance_mark_set, session_attendance_derive
from live.tests.factories import LiveSessionFactory, SpeakerFactory
from tests.factories import ParticipantFactory, SeasonFactory

pytestmark = pytest.mark.django_db

PAST = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)


def _participants_with_figures(season, session, count):
    people = [ParticipantFactory(season=season) for _ in range(count)]
    AttendanceEvent.objects.bulk_create(
        AttendanceEvent(
            session=session,
            user=p.user,
            source="bbb",
            kind="join",
            connection=f"w_{p.pk}",
            occurred_at=session.starts_at + timedelta(minutes=index),
            dedupe_key=f"j{p.pk}",
        )
        for index, p in enumerate(people)
    )
    return people


def test_required_sessions_attendance_shape_and_rules():
    season = SeasonFactory()
    past = LiveSessionFactory(season=season, starts_at=PAST, ends_at=PAST + timedelta(minutes=100))
    LiveSessionFactory(season=season, starts_at=PAST, ends_at=PAST + timedelta(hours=1), required=False)
    future = LiveSessionFactory(
        season=season, starts_at=timezone.now() + timedelta(days=1), ends_at=timezone.now() + timedelta(days=1, hours=1)
    )
    on_time, late, nobody = _participants_with_figures(season, past, 1)[0], None, ParticipantFactory(season=season)
    late = ParticipantFactory(season=season)
    AttendanceEvent.objects.create(
        session=past,
        user=late.user,
        source="page",
        kind="join",
        connection="x",
        occurred_at=PAST + timedelta(minutes=15),
        dedupe_key="late",
    )
    session_attendance_derive(session=past)
    speaker = SpeakerFactory()
    past.speakers.set([speaker])
    attendance_mark_set(session=past, user_id=nobody.user_id, status="excused", comment="Справка", by=speaker.user)

    result = required_sessions_attendance(season_id=season.pk, track="introductory")
    assert [s["id"] for s in result["sessions"]] == [past.pk, future.pk]
    assert result["sessions"][0]["window_seconds"] == 6000
    assert result["sessions"][1]["finished"] is False
    assert result["attendance"][on_time.user_id][past.pk] == {
        "covered_seconds": 6000,
        "percent": 100.0,
        "status": "present",
    }
    assert result["attendance"][late.user_id][past.pk] == {"covered_seconds": 5100, "percent": 85.0, "status": "late"}
    assert result["attendance"][nobody.user_id][past.pk]["status"] == "excused"
    assert future.pk not in result["attendance"][on_time.user_id]
    only = required_sessions_attendance(season_id=season.pk, track="introductory", user_ids=[late.user_id])
    assert list(only["attendance"]) == [late.user_id]
    assert required_sessions_attendance(season_id=season.pk, track="advanced")["sessions"] == []
    # Asked about nobody (the sessions alone, as the admission bench reads them): no rows, no error.
    nobody_asked = required_sessions_attendance(season_id=season.pk, track="introductory", user_ids=[])
    assert [s["finished"] for s in nobody_asked["sessions"]] == [True, False]
    assert nobody_asked["attendance"] == {}


@pytest.mark.parametrize("count", [3, 4])
def test_required_sessions_attendance_query_count(django_assert_num_queries, count):
    season = SeasonFactory()
    sessions = [
        LiveSessionFactory(season=season, starts_at=PAST + timedelta(days=d), ends_at=PAST + timedelta(days=d, hours=1))
        for d in range(count)
    ]
    for session in sessions:
        _participants_with_figures(season, session, 1)
        session_attendance_derive(session=session)
    # sessions; participants of the track; attendance rows (nobody was marked by hand: no marks read)
    with django_assert_num_queries(3):
        result = required_sessions_attendance(season_id=season.pk, track="introductory")
    assert len(result["attendance"]) == count


@pytest.mark.parametrize("count", [3, 4])
def test_derivation_query_count_does_not_grow(django_assert_num_queries, count):
    season = SeasonFactory()
    session = LiveSessionFactory(season=season, starts_at=PAST, ends_at=PAST + timedelta(hours=1))
    _participants_with_figures(season, session, count)
    # coverage SQL; manual marks; participants; the upsert; the session's derivation time
    with django_assert_num_queries(5):
        session_attendance_derive(session=session)
    assert Attendance.objects.filter(session=session).count() == count


@pytest.mark.parametrize("count", [2, 3])
def test_live_session_list_api(api_client, django_assert_num_queries, count):
    season = SeasonFactory()
    me = ParticipantFactory(season=season)
    sessions = [
        LiveSessionFactory(season=season, starts_at=PAST + timedelta(days=d), ends_at=PAST + timedelta(days=d, hours=1))
        for d in range(count)
    ]
    LiveSessionFactory(track="advanced")  # another track and season: not mine
    AttendanceEvent.objects.create(
        session=sessions[0], user=me.user, source="bbb", kind="join", connection="w", occurred_at=PAST, dedupe_key="me"
    )
    session_attendance_derive(session=sessions[0])
    api_client.force_authenticate(me.user)
    # participant (with season and application); sessions; my attendance rows
    with django_assert_num_queries(3):
        response = api_client.get("/api/v1/live-sessions/")
    assert response.status_code == 200
    data = response.json()
    assert [item["id"] for item in data] == [s.pk for s in sessions]
    assert data[0]["presence"] == {"covered_seconds": 3600, "percent": 100.0, "status": "present"}
    assert data[0]["state"] == "ended"
    assert data[1]["presence"] is None


def test_minute_counts_and_roster():
    from live.selectors import session_minute_counts, session_roster_now

    season = SeasonFactory()
    session = LiveSessionFactory(season=season, starts_at=PAST, ends_at=PAST + timedelta(minutes=20))
    first, second = ParticipantFactory(season=season), ParticipantFactory(season=season)
    for person, joined, left in ((first, 0, 10), (second, 5, 15)):
        for kind, minute in (("join", joined), ("leave", left)):
            AttendanceEvent.objects.create(
                session=session,
                user=person.user,
                source="bbb",
                kind=kind,
                connection=f"w{person.pk}",
                occurred_at=PAST + timedelta(minutes=minute),
                dedupe_key=f"{person.pk}{kind}",
            )
    counts = session_minute_counts(session=session, now=PAST + timedelta(hours=1))
    assert counts == [1] * 5 + [2] * 5 + [1] * 5 + [0] * 5
    roster = session_roster_now(session=session, now=PAST + timedelta(minutes=12))
    assert [row["user_id"] for row in roster] == [second.user_id]


def test_required_sessions_attendance_rows_of_others_defaults_and_marks():
    season = SeasonFactory()
    past = LiveSessionFactory(season=season, starts_at=PAST, ends_at=PAST + timedelta(hours=1))
    present, absent, marked = (ParticipantFactory(season=season) for _ in range(3))
    other_track = ParticipantFactory(season=season, level="pro")
    for person, minutes in ((present, 0), (marked, 30), (other_track, 0)):
        AttendanceEvent.objects.create(
            session=past,
            user=person.user,
            source="bbb",
            kind="join",
            connection="w",
            occurred_at=PAST + timedelta(minutes=minutes),
            dedupe_key=f"j{person.pk}",
        )
    session_attendance_derive(session=past)
    assert Attendance.objects.get(session=past, user=absent.user).status == "absent"  # a row, read as the default
    speaker = SpeakerFactory()
    past.speakers.set([speaker])
    attendance_mark_set(session=past, user_id=marked.user_id, status="present", comment="Был в зале", by=speaker.user)

    result = required_sessions_attendance(season_id=season.pk, track="introductory")
    attendance = result["attendance"]
    assert set(attendance) == {present.user_id, absent.user_id, marked.user_id}  # not the other track's
    assert attendance[present.user_id][past.pk] == {"covered_seconds": 3600, "percent": 100.0, "status": "present"}
    assert attendance[absent.user_id][past.pk] == {"covered_seconds": 0, "percent": 0.0, "status": "absent"}
    # The mark decides the status; the measured time stays.
    assert attendance[marked.user_id][past.pk] == {"covered_seconds": 1800, "percent": 50.0, "status": "present"}
    asked = required_sessions_attendance(
        season_id=season.pk, track="introductory", user_ids=[absent.user_id, marked.user_id]
    )["attendance"]
    assert asked == {absent.user_id: attendance[absent.user_id], marked.user_id: attendance[marked.user_id]}


def test_derivation_writes_the_same_rows_on_either_database_path(monkeypatch):
    """PostgreSQL's path (coverage SQL, one JSON upsert) and the portable one (pure rules,
    bulk_create's upsert, the demo's SQLite) write identical rows, inserting and updating."""
    from django.db import connection

    season = SeasonFactory()
    session = LiveSessionFactory(season=season, starts_at=PAST, ends_at=PAST + timedelta(hours=1))
    people = _participants_with_figures(season, session, 3)
    ParticipantFactory(season=season)  # no events: a row of 0 s, absent

    def rows():
        return sorted(
            Attendance.objects.filter(session=session).values_list(
                "user_id", "covered_seconds", "window_seconds", "first_joined_at", "status", "manual", "sources"
            )
        )

    session_attendance_derive(session=session)
    by_postgres = rows()
    assert len(by_postgres) == 4 and by_postgres[0][1:3] == (3600, 3600)
    Attendance.objects.filter(session=session).delete()
    monkeypatch.setattr(connection, "vendor", "sqlite")
    session_attendance_derive(session=session)
    assert rows() == by_postgres
    speaker = SpeakerFactory()
    session.speakers.set([speaker])
    attendance_mark_set(
        session=session, user_id=people[0].user_id, status="excused", comment="Справка", by=speaker.user
    )
    session_attendance_derive(session=session)  # the portable path updates in place
    portable = rows()
    monkeypatch.undo()
    session_attendance_derive(session=session)  # and so does PostgreSQL's
    assert rows() == portable
    assert [r for r in portable if r[0] == people[0].user_id][0][4:] == ("excused", True, ["bbb", "manual"])


def _grouped_by_user(answer) -> dict[int, tuple]:
    return {
        user_id: (group.covered_seconds, group.excused_covered_seconds, group.attended, group.excused)
        for group in answer["groups"]
        for user_id in group.user_ids
    }


def test_grouped_attendance_adds_up_the_same_on_either_database_path(monkeypatch, django_assert_num_queries):
    """The admission run's input: each user's attendance added up (time capped at each session's
    length, a "present" mark with no time counting whole, the latest mark replacing a row's status,
    excused sessions apart) and users grouped, by one PostgreSQL statement or, for the embedded
    demo, from required_sessions_attendance; both say the same."""
    from django.db import connection

    from live.models import ManualMark
    from live.selectors import required_sessions_attendance_grouped

    season = SeasonFactory()
    first, second = (
        LiveSessionFactory(season=season, starts_at=PAST + timedelta(days=d), ends_at=PAST + timedelta(days=d, hours=1))
        for d in (0, 1)
    )
    LiveSessionFactory(season=season, starts_at=timezone.now() + timedelta(days=1))  # ahead: counts for nobody
    people = {name: ParticipantFactory(season=season) for name in ("full", "half", "marked", "excused", "overruled")}
    people["nothing"] = ParticipantFactory(season=season)
    elsewhere = ParticipantFactory(season=season, level="pro")  # another track's participant
    assert elsewhere.track != people["full"].track

    def row(session, name_or_person, covered, status):
        person = people[name_or_person] if isinstance(name_or_person, str) else name_or_person
        Attendance.objects.create(
            session=session, user=person.user, covered_seconds=covered, window_seconds=3600, status=status, sources=[]
        )

    row(first, "full", 3600, "present")
    row(second, "full", 3600, "present")
    row(first, "half", 1800, "late")
    row(second, "half", 600, "absent")  # some time, yet absent: the time counts, the session is missed
    row(second, "excused", 900, "absent")
    row(first, "overruled", 2000, "late")
    row(first, elsewhere, 3600, "present")
    staff = people["nothing"].user  # any user may stand for the speaker who marked
    ManualMark.objects.create(session=first, user=people["marked"].user, status="present", marked_by=staff)
    ManualMark.objects.create(session=second, user=people["excused"].user, status="present", marked_by=staff)
    ManualMark.objects.create(session=second, user=people["excused"].user, status="excused", marked_by=staff)
    ManualMark.objects.create(session=first, user=people["overruled"].user, status="absent", marked_by=staff)

    # sessions; manual marks; the grouped statement
    with django_assert_num_queries(3):
        by_sql = required_sessions_attendance_grouped(season_id=season.pk, track="introductory")
    grouped = _grouped_by_user(by_sql)
    user = {name: person.user_id for name, person in people.items()}
    assert grouped[user["full"]] == (7200, 0, {first.pk, second.pk}, frozenset())
    assert grouped[user["half"]] == (2400, 0, {first.pk}, frozenset())
    assert grouped[user["marked"]] == (3600, 0, {first.pk}, frozenset())  # present by hand, no time: whole
    assert grouped[user["excused"]] == (0, 900, frozenset(), {second.pk})  # the latest mark counts
    assert grouped[user["overruled"]] == (2000, 0, frozenset(), frozenset())
    assert user["nothing"] not in grouped
    assert [s["finished"] for s in by_sql["sessions"]] == [True, True, False]

    asked = [user["half"], user["excused"], user["nothing"]]
    by_sql_asked = _grouped_by_user(
        required_sessions_attendance_grouped(season_id=season.pk, track="introductory", user_ids=asked)
    )
    monkeypatch.setattr(connection, "vendor", "sqlite")
    portable = _grouped_by_user(required_sessions_attendance_grouped(season_id=season.pk, track="introductory"))
    portable_asked = _grouped_by_user(
        required_sessions_attendance_grouped(season_id=season.pk, track="introductory", user_ids=asked)
    )
    monkeypatch.undo()
    # Without `user_ids` the statement reads every row of the sessions (a caller looks up its own
    # people); the portable path only the track's participants.
    assert portable == {user_id: key for user_id, key in grouped.items() if user_id != elsewhere.user_id}
    assert portable_asked == by_sql_asked == {user_id: grouped[user_id] for user_id in asked if user_id in grouped}


@pytest.mark.parametrize("count", [3, 4])
def test_grouped_attendance_query_count(django_assert_num_queries, count):
    from live.selectors import required_sessions_attendance_grouped

    season = SeasonFactory()
    for d in range(count):
        session = LiveSessionFactory(
            season=season, starts_at=PAST + timedelta(days=d), ends_at=PAST + timedelta(days=d, hours=1)
        )
        _participants_with_figures(season, session, 1)
        session_attendance_derive(session=session)
    # sessions; the grouped statement (nobody was marked by hand: no marks read)
    with django_assert_num_queries(2):
        result = required_sessions_attendance_grouped(season_id=season.pk, track="introductory")
    assert sum(len(group.user_ids) for group in result["groups"]) == count
