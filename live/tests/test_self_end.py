"""A session nobody ends ends itself at its overrun limit, and an "end" pressed a day late changes
nothing: through the real services (the console's start and end, the page's presence keys and
beats through the Redis buffer and its flush, BBB's webhook, a report import, manual marks) and
the real derivation, on PostgreSQL's set-based path and on the pure rules' path.

Hand-computed: scheduled 12:00–13:00 UTC, started at 12:00:00, LIVE_MAX_OVERRUN_MINUTES = 180
(the limit: 16:00). A's page beats every 30 s from 12:00:00 to 13:00:00; B's row in the imported
report is 12:11–13:00; C is in BBB 12:20–12:58; D is marked present at 12:30 (no computer in the
room); E is marked excused at 13:30; F has nothing. The last evidence is 13:00:00 (A's last beat,
B's leave), so the session ended on time at 13:00 and the ones never ended or ended the next day
all have a window of 3600 s: A 3600 s present, B 2940 s (81.7 %) late (joined 11 min after the
start), C 2280 s absent, D present (marked), E excused (marked: a mark of absence is no evidence
that the session was going on, so the 13:30 mark does not stretch the window), F 0 s absent."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client

import live.derive
from live.models import Attendance, LiveSession
from live.rooms.bbb.events import bbb_webhook_receive
from live.selectors import required_sessions_attendance
from live.services.attendance import attendance_mark_set
from live.services.presence import presence_beat_record, presence_beats_flush, presence_key_issue
from live.services.reports import attendance_report_import
from live.services.sessions import session_end, session_start
from live.tests.factories import LiveSessionFactory, SpeakerFactory
from tests.factories import ParticipantFactory, SeasonFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
LIMIT = START + timedelta(hours=4)


def at(minutes: float, seconds: int = 0) -> datetime:
    return START + timedelta(minutes=minutes, seconds=seconds)


class _Portable:
    """What live.derive sees of a database other than PostgreSQL (the demo's SQLite): its vendor."""

    vendor = "sqlite"


@pytest.fixture(params=["postgresql", "rules"])
def derivation_path(request, monkeypatch):
    if request.param == "rules":
        monkeypatch.setattr(live.derive, "connection", _Portable())
    return request.param


@pytest.fixture
def world(settings, clock):
    settings.LIVE_MAX_OVERRUN_MINUTES = 180
    settings.LIVE_BBB_URL = ""  # a BBB session whose room needs no server (nothing is called)
    clock.at = START - timedelta(days=1)
    season = SeasonFactory()
    speaker = SpeakerFactory()
    speaker.user.groups.add(Group.objects.get_or_create(name="speaker")[0])
    people = [ParticipantFactory(season=season) for _ in range(6)]
    return season, speaker, people


def _session(season, speaker, name: str) -> LiveSession:
    return LiveSessionFactory(
        season=season,
        speakers=[speaker],
        title=name,
        starts_at=START,
        ends_at=at(60),
        delivery="bbb",
        external_meeting_id=f"prk-test-{name}",
    )


def _bbb(session, user, kind: str, when: datetime) -> dict:
    """One user-joined or user-left as bbb-webhooks maps it."""
    return {
        "data": {
            "id": kind,
            "attributes": {
                "meeting": {"external-meeting-id": session.external_meeting_id},
                "user": {"external-user-id": f"prk-user-{user.pk}", "internal-user-id": f"w_{user.pk}"},
            },
            "event": {"ts": int(when.timestamp() * 1000)},
        }
    }


def _hold(session, *, clock, speaker, people, capture, end: str) -> None:
    """The session as held, then ended on time, never, or a day late (`end`)."""
    a, b, c, d, e, _f = people
    clock.at = at(0)
    with capture(execute=True):
        session_start(session=session, by=speaker.user)
    tab = uuid.uuid4()
    for step in range(121):  # 12:00:00, 12:00:30, …, 13:00:00
        clock.at = at(0, 30 * step)
        key = presence_key_issue(session=session, user=a.user, now=clock.at)
        presence_beat_record(key=key, session_id=session.pk, connection_id=tab, seq=step, visible=True)
        with capture(execute=True):
            if clock.at == at(20):
                bbb_webhook_receive(events=[_bbb(session, c.user, "user-joined", clock.at)])
            if clock.at == at(30):
                attendance_mark_set(
                    session=session,
                    user_id=d.user_id,
                    status="present",
                    comment="В зале, без ноутбука",
                    by=speaker.user,
                )
            if clock.at == at(58):
                bbb_webhook_receive(events=[_bbb(session, c.user, "user-left", clock.at)])
    with capture(execute=True):
        if end == "on time":
            session_end(session=session, by=speaker.user)  # 13:00:00: flushes the beats, derives
        else:
            clock.at = at(60, 5)
            presence_beats_flush()  # what the periodic flush does a few seconds later
    clock.at = at(70)
    report = (
        "Participant ID,Join time,Leave time\n"
        f"prk-user-{b.user_id},{at(11).isoformat()},{at(60).isoformat()}\n"
        f"prk-user-{speaker.user_id},{at(0).isoformat()},{at(61).isoformat()}\n"
    ).encode()
    with capture(execute=True):
        result = attendance_report_import(session=session, content=report, timezone_name="UTC")
    assert result.stored == 1 and [row["line"] for row in result.skipped] == [3]  # the speaker: no attendance
    clock.at = at(90)
    with capture(execute=True):
        attendance_mark_set(session=session, user_id=e.user_id, status="excused", comment="Болел", by=speaker.user)
    if end == "a day late":
        clock.at = at(24 * 60 + 60)
        with capture(execute=True):
            session_end(session=session, by=speaker.user)


def _rows(session) -> dict:
    return {
        row.user_id: (row.covered_seconds, row.window_seconds, row.first_joined_at, row.status, row.manual, row.sources)
        for row in Attendance.objects.filter(session=session)
    }


def test_a_forgotten_session_and_a_late_end_give_the_figures_of_one_ended_on_time(
    world, clock, derivation_path, django_capture_on_commit_callbacks
):
    season, speaker, people = world
    sessions = {}
    for end in ("on time", "never", "a day late"):
        sessions[end] = _session(season, speaker, end.replace(" ", "-"))
        _hold(
            sessions[end],
            clock=clock,
            speaker=speaker,
            people=people,
            capture=django_capture_on_commit_callbacks,
            end=end,
        )
    a, b, c, d, e, f = people
    on_time = _rows(sessions["on time"])
    assert on_time == {
        a.user_id: (3600, 3600, at(0), "present", False, ["page"]),
        b.user_id: (2940, 3600, at(11), "late", False, ["report"]),
        c.user_id: (2280, 3600, at(20), "absent", False, ["bbb"]),
        d.user_id: (0, 3600, None, "present", True, ["manual"]),
        e.user_id: (0, 3600, None, "excused", True, ["manual"]),
        f.user_id: (0, 3600, None, "absent", False, []),
    }
    assert _rows(sessions["never"]) == on_time
    assert _rows(sessions["a day late"]) == on_time
    assert speaker.user_id not in on_time

    # Past the limit, with no task run since: every reader sees the forgotten session ended, and
    # the same figures as the one ended on time.
    clock.at = LIMIT + timedelta(days=2)
    forgotten = LiveSession.objects.get(pk=sessions["never"].pk)
    derived_at = forgotten.figures_derived_at
    assert forgotten.actual_ended_at is None
    assert forgotten.state_at(clock.at) == LiveSession.State.ENDED and not forgotten.running
    assert forgotten.window_end == at(60)

    result = required_sessions_attendance(season_id=season.pk, track="introductory")
    assert [s["finished"] for s in result["sessions"]] == [True, True, True]
    assert {s["ends_at"] for s in result["sessions"]} == {at(60)}
    for person in people:
        entries = result["attendance"][person.user_id]
        assert entries[sessions["never"].pk] == entries[sessions["on time"].pk] == entries[sessions["a day late"].pk]
    assert result["attendance"][b.user_id][sessions["never"].pk] == {
        "covered_seconds": 2940,
        "percent": 81.7,
        "status": "late",
    }

    participant = Client()
    participant.force_login(b.user)
    listed = {item["id"]: item for item in participant.get("/api/v1/live-sessions/").json()}
    assert listed[forgotten.pk]["state"] == "ended"
    assert listed[forgotten.pk]["presence"] == listed[sessions["on time"].pk]["presence"]
    assert listed[forgotten.pk]["presence"] == {"covered_seconds": 2940, "percent": 81.7, "status": "late"}
    cabinet = participant.get("/cabinet/").content.decode()
    assert f"{forgotten.title} — " in cabinet and "81.7% (" in cabinet.replace(",", ".")
    page = participant.get(f"/live/{forgotten.pk}/")
    assert page.context["state"] == "ended" and page.context["figure"].covered_seconds == 2940

    console = Client()
    console.force_login(speaker.user)
    html = console.get(f"/live/console/{forgotten.pk}/")
    assert html.context["state"] == "ended"
    assert 'data-testid="end"' not in html.content.decode()
    table = {row["user_id"]: (row["covered_seconds"], row["percent"], row["status"]) for row in html.context["table"]}
    assert table[b.user_id] == (2940, 81.7, "late")
    forgotten.refresh_from_db()
    assert forgotten.figures_derived_at == derived_at  # nothing derived the figures again


def test_a_session_ends_itself_at_its_limit_read_from_its_data(settings):
    settings.LIVE_MAX_OVERRUN_MINUTES = 60
    session = LiveSessionFactory(starts_at=START, ends_at=at(60), actual_started_at=START)
    assert session.overrun_limit == at(120)
    assert session.state_at(at(119, 59)) == LiveSession.State.LIVE and session.running_at(at(119, 59))
    assert session.state_at(at(120)) == LiveSession.State.ENDED and not session.running_at(at(120))
    # Its window ends at its last evidence (found by the derivation), never later than the limit.
    session.last_evidence_at = at(75)
    assert session.window_end == at(75)
    session.last_evidence_at = at(200)
    assert session.window_end == at(120)
    # An end pressed within the limit is the window's end; one pressed after it is not.
    session.actual_ended_at = at(110)
    assert session.window_end == at(110) and session.ended_in_time
    session.actual_ended_at = at(24 * 60)
    assert session.window_end == at(120) and not session.ended_in_time
