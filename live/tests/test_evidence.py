"""What counts as attendance evidence: the "no attendance recorded" list of ended required
sessions, the rules of manual marks (a reason; nothing but "excused" before the start), and
people who are no participants of the session's track (its speakers, experts, staff) in BBB's
data and in reports: no attendance."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from live.models import Attendance, AttendanceEvent, ManualMark
from live.rooms.bbb.events import bbb_analytics_receive, bbb_webhook_receive
from live.selectors import sessions_without_evidence
from live.services.attendance import attendance_mark_set, session_attendance_derive
from live.services.reports import attendance_report_import
from live.tests.factories import LiveSessionFactory, SpeakerFactory
from tests.factories import ParticipantFactory, SeasonFactory, UserFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
NOW = START + timedelta(days=1)


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def _with_role(user, role: str):
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def _event(session, user, minute: int = 5) -> AttendanceEvent:
    return AttendanceEvent.objects.create(
        session=session,
        user=user,
        source="page",
        kind="beat",
        connection="tab",
        occurred_at=at(minute),
        dedupe_key=f"{session.pk}:{user.pk}:{minute}",
    )


# ---------------------------------------------------------------- "no attendance recorded"


def test_ended_required_sessions_with_no_evidence_at_all_are_listed(settings):
    settings.LIVE_MAX_OVERRUN_MINUTES = 180
    season = SeasonFactory()
    person = ParticipantFactory(season=season)
    speaker = SpeakerFactory()

    def session(title, **extra):
        return LiveSessionFactory(season=season, title=title, **{"starts_at": START, "ends_at": at(60), **extra})

    never_started = session("never started")  # nobody pressed anything: ended at its scheduled end
    ended_empty = session("ended, empty", actual_started_at=at(0), actual_ended_at=at(60))
    forgotten_empty = session("forgotten, empty", actual_started_at=at(0))  # ended itself at 16:00
    advanced = session("another track", track="advanced")
    with_beat = session("a beat", actual_started_at=at(0), actual_ended_at=at(60))
    _event(with_beat, person.user)
    with_mark = session("a mark", speakers=[speaker])
    ManualMark.objects.create(
        session=with_mark, user=person.user, status="excused", comment="x", marked_by=speaker.user
    )
    session("not required", required=False)
    LiveSessionFactory(season=season, starts_at=NOW, ends_at=NOW + timedelta(hours=1))  # ahead
    session("running, empty", actual_started_at=at(0), ends_at=NOW - timedelta(minutes=30))  # within its limit
    LiveSessionFactory(starts_at=START, ends_at=at(60))  # another season's

    listed = sessions_without_evidence(season_id=season.pk, now=NOW)
    assert [item.id for item in listed] == [never_started.pk, ended_empty.pk, forgotten_empty.pk, advanced.pk]
    assert listed[2].title == "forgotten, empty" and listed[2].ends_at == at(60)  # no evidence: the schedule
    introductory = sessions_without_evidence(season_id=season.pk, track="introductory", now=NOW)
    assert advanced.pk not in [item.id for item in introductory] and len(introductory) == 3
    # Just before the forgotten one's limit it has not ended yet: not listed.
    assert forgotten_empty.pk not in [
        item.id for item in sessions_without_evidence(season_id=season.pk, now=at(60 + 179))
    ]


@pytest.mark.parametrize("count", [3, 4])
def test_the_no_evidence_list_is_one_query(django_assert_num_queries, count):
    season = SeasonFactory()
    person = ParticipantFactory(season=season)
    for day in range(count):
        LiveSessionFactory(season=season, starts_at=at(-day * 24 * 60), ends_at=at(-day * 24 * 60 + 60))
        _event(LiveSessionFactory(season=season, starts_at=START, ends_at=at(60)), person.user, minute=day)
    with django_assert_num_queries(1):  # the sessions, events and marks as NOT EXISTS
        listed = sessions_without_evidence(season_id=season.pk, now=NOW)
    assert len(listed) == count


def test_staff_see_the_no_evidence_list_on_the_console_list_and_speakers_do_not(client):
    season = SeasonFactory()
    empty = LiveSessionFactory(season=season, title="Пустой эфир", starts_at=START, ends_at=at(60))
    client.force_login(_with_role(UserFactory(), "staff"))
    page = client.get(f"/live/console/?season={season.pk}")
    assert [item.id for item, _label in page.context["without_evidence"]] == [empty.pk]
    assert 'data-testid="without-evidence"' in page.content.decode()
    assert "Нет данных о посещаемости" in page.content.decode()
    speaker = _with_role(SpeakerFactory().user, "speaker")
    client.force_login(speaker)
    assert "without_evidence" not in client.get("/live/console/").context


# ---------------------------------------------------------------- manual marks


@pytest.fixture
def marked(clock):
    clock.at = START - timedelta(hours=1)  # the session has not started
    season = SeasonFactory()
    speaker = SpeakerFactory()
    _with_role(speaker.user, "speaker")
    session = LiveSessionFactory(season=season, speakers=[speaker], starts_at=START, ends_at=at(60))
    return session, speaker, ParticipantFactory(season=season)


def test_a_mark_needs_a_reason(marked):
    session, speaker, person = marked
    with pytest.raises(ValidationError) as error:
        attendance_mark_set(session=session, user_id=person.user_id, status="excused", comment=" ", by=speaker.user)
    assert error.value.message_dict == {"comment": ["Укажите причину отметки в комментарии."]}
    assert not session.manual_marks.exists()


@pytest.mark.parametrize("status", ["present", "late", "absent"])
def test_only_excused_may_be_marked_before_the_session_starts(client, marked, clock, status):
    session, speaker, person = marked
    client.force_login(speaker.user)
    form = {"user_id": person.user_id, "status": status, "comment": "Предупредил заранее"}
    response = client.post(f"/live/console/{session.pk}/mark/", form)
    assert response.status_code == 400
    assert "Эфир ещё не начался: заранее можно отметить только «уважительную причину»." in response.content.decode()
    assert not session.manual_marks.exists()
    # "excused" may be given in advance, with its reason.
    response = client.post(f"/live/console/{session.pk}/mark/", {**form, "status": "excused"})
    assert response.status_code == 302
    # Once the session is under way (by the schedule, or started), any status may be marked.
    clock.at = at(5)
    assert client.post(f"/live/console/{session.pk}/mark/", form).status_code == 302
    assert list(session.manual_marks.order_by("marked_at").values_list("status", flat=True)) == ["excused", status]


def test_a_mark_without_a_reason_on_the_console_is_a_400(client, marked):
    session, speaker, person = marked
    client.force_login(speaker.user)
    form = {"user_id": person.user_id, "status": "excused", "comment": ""}
    response = client.post(f"/live/console/{session.pk}/mark/", form)
    assert response.status_code == 400
    assert "Укажите причину отметки в комментарии." in response.content.decode()


def test_a_nul_in_the_comment_is_a_400_not_a_500(client, marked):
    """PostgreSQL's text holds no NUL: the console says so instead of failing on the insert."""
    session, speaker, person = marked
    client.force_login(speaker.user)
    form = {"user_id": person.user_id, "status": "excused", "comment": "Болел\x00"}
    response = client.post(f"/live/console/{session.pk}/mark/", form)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()
    assert not session.manual_marks.exists()


# ---------------------------------------------------------------- speakers, experts, staff


def _bbb_event(session, user, kind: str, when: datetime) -> dict:
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


@pytest.fixture
def bbb_room():
    season = SeasonFactory()
    speaker = SpeakerFactory()
    session = LiveSessionFactory(
        season=season,
        speakers=[speaker],
        starts_at=START,
        ends_at=at(60),
        actual_started_at=START,
        actual_ended_at=at(60),
        external_meeting_id="prk-evidence",
    )
    expert = _with_role(UserFactory(), "expert")
    staff = _with_role(UserFactory(), "staff")
    other_track = ParticipantFactory(season=season, level="pro")
    return session, speaker, ParticipantFactory(season=season), [speaker.user, expert, staff, other_track.user]


def test_speakers_experts_and_staff_in_bbb_data_create_no_attendance(bbb_room):
    session, _speaker, person, outsiders = bbb_room
    events = []
    for user in [person.user, *outsiders]:
        events += [_bbb_event(session, user, "user-joined", at(0)), _bbb_event(session, user, "user-left", at(60))]
    received = bbb_webhook_receive(events=events)
    assert received.stored == 2 and received.skipped == []  # ignored, not malformed
    attendee = {
        "sessions": [
            {
                "joins": [
                    {
                        "ext_userid": f"prk-user-{u.pk}",
                        "userid": f"w_{u.pk}",
                        "timestamp": at(0).isoformat(),
                        "event": "join",
                    }
                    for u in [person.user, *outsiders]
                ],
                "lefts": [],
            }
        ]
    }
    analytics = bbb_analytics_receive(
        payload=json.loads(json.dumps({"meeting_id": "prk-evidence", "data": {"attendees": [attendee]}}))
    )
    assert analytics.stored == 1
    assert set(AttendanceEvent.objects.values_list("user_id", flat=True)) == {person.user_id}
    session_attendance_derive(session=session)
    assert list(Attendance.objects.filter(session=session).values_list("user_id", "status")) == [
        (person.user_id, "present")
    ]


def test_report_rows_of_speakers_experts_and_staff_are_skipped_and_listed_as_such(bbb_room):
    session, speaker, person, outsiders = bbb_room
    _speaker_user, expert, staff, other_track = outsiders
    times = f"{at(0).isoformat()},{at(60).isoformat()}"
    report = "\n".join(
        [
            "Participant ID,Email,Join time,Leave time",
            f"prk-user-{person.user_id},,{times}",
            f",{speaker.user.email.upper()},{times}",
            f"prk-user-{expert.pk},,{times}",
            f"{staff.pk},,{times}",
            f"prk-user-{other_track.pk},,{times}",
            f",stranger@example.org,{times}",
        ]
    ).encode()
    result = attendance_report_import(session=session, content=report, timezone_name="UTC")
    assert result.stored == 1
    assert [(row["line"], row["message"]) for row in result.skipped] == [
        (line, "Не участник трека эфира (спикер, эксперт или сотрудник).") for line in (3, 4, 5, 6)
    ]
    assert [row["line"] for row in result.unmatched] == [7]  # nobody we know: unmatched, as before
    assert set(AttendanceEvent.objects.values_list("user_id", flat=True)) == {person.user_id}
