"""Correcting a session's actual start and end from the console: who may (staff; the session's
speaker within a week), what is kept (who, when, why, the times before), and the figures derived
again. Times are posted as <input type="datetime-local"> sends them, in the viewer's zone
(Moscow, UTC+3, by default)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.test import Client

from live.models import Attendance, AttendanceEvent, LiveSession
from live.services.attendance import session_attendance_derive
from live.services.sessions import session_times_correct
from live.tests.factories import LiveSessionFactory, SpeakerFactory
from tests.factories import ParticipantFactory, SeasonFactory, UserFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def local(minutes: float) -> str:
    """The time as the form's datetime-local input sends it, in Moscow time (UTC+3)."""
    return (at(minutes) + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")


def _with_role(user, role: str):
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def held(clock, settings):
    """Scheduled 12:00–13:00; the speaker pressed "start" 20 min late and "end" at 13:00. The
    participant was in BBB 12:00–13:00: measured against the pressed times, 2400 of 2400 s."""
    settings.LIVE_MAX_OVERRUN_MINUTES = 180
    clock.at = at(90)
    season = SeasonFactory()
    speaker = SpeakerFactory()
    _with_role(speaker.user, "speaker")
    session = LiveSessionFactory(
        season=season,
        speakers=[speaker],
        starts_at=START,
        ends_at=at(60),
        actual_started_at=at(20),
        actual_ended_at=at(60),
    )
    person = ParticipantFactory(season=season)
    for kind, minute in (("join", 0), ("leave", 60)):
        AttendanceEvent.objects.create(
            session=session,
            user=person.user,
            source="bbb",
            kind=kind,
            connection="w_1",
            occurred_at=at(minute),
            dedupe_key=f"{kind}-{minute}",
        )
    session_attendance_derive(session=session)
    return session, speaker, person


def test_a_correction_is_kept_with_who_when_and_why_and_derives_the_figures_again(
    held, clock, django_capture_on_commit_callbacks
):
    session, speaker, person = held
    row = Attendance.objects.get(session=session, user=person.user)
    assert (row.window_seconds, row.covered_seconds) == (2400, 2400)
    console = Client()
    console.force_login(speaker.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = console.post(
            f"/live/console/{session.pk}/correct-times/",
            {"started_at": local(0), "ended_at": local(60), "reason": "Нажал «Начать» с опозданием"},
        )
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.actual_started_at, session.actual_ended_at) == (at(0), at(60))
    row.refresh_from_db()
    assert (row.window_seconds, row.covered_seconds, row.status) == (3600, 3600, "present")
    correction = session.time_corrections.get()
    assert (correction.started_before, correction.ended_before) == (at(20), at(60))
    assert (correction.started_at, correction.ended_at, correction.corrected_by) == (at(0), at(60), speaker.user)
    assert correction.corrected_at == at(90)
    page = console.get(f"/live/console/{session.pk}/").content.decode()
    assert "Нажал «Начать» с опозданием" in page and "15:20:00–16:00:00 → 2 марта, 15:00:00" in page


def test_a_forgotten_session_can_be_given_its_real_end(held, clock, django_capture_on_commit_callbacks):
    session, _speaker, person = held
    LiveSession.objects.filter(pk=session.pk).update(actual_ended_at=None, actual_started_at=at(0))
    session.refresh_from_db()
    staff = _with_role(UserFactory(), "staff")
    with django_capture_on_commit_callbacks(execute=True):
        session_times_correct(session=session, started_at=at(0), ended_at=at(50), reason="Забыли завершить", by=staff)
    row = Attendance.objects.get(session=session, user=person.user)
    assert (row.window_seconds, row.covered_seconds) == (3000, 3000)


@pytest.mark.parametrize(
    ("who", "days_after", "message"),
    [
        ("another speaker", 1, "Исправлять время эфира могут только сотрудники и его спикеры."),
        ("participant", 1, "Исправлять время эфира могут только сотрудники и его спикеры."),
        ("the speaker", 8, "Спикер может исправить время эфира в течение недели после него"),
    ],
)
def test_who_may_not_correct_gets_a_403_with_the_reason(held, clock, who, days_after, message):
    session, speaker, person = held
    clock.at = at(60) + timedelta(days=days_after)
    user = {
        "another speaker": _with_role(SpeakerFactory().user, "speaker"),
        "participant": person.user,
        "the speaker": speaker.user,
    }[who]
    client = Client()
    client.force_login(user)
    response = client.post(
        f"/live/console/{session.pk}/correct-times/", {"started_at": local(0), "ended_at": local(60), "reason": "x"}
    )
    assert response.status_code == 403
    assert message in response.content.decode()
    assert not session.time_corrections.exists()


def test_the_speaker_within_a_week_and_staff_at_any_time_may_correct(held, clock):
    session, speaker, _person = held
    clock.at = at(60) + timedelta(days=6, hours=23)
    client = Client()
    client.force_login(speaker.user)
    form = {"started_at": local(0), "ended_at": local(60), "reason": "Старт позже"}
    assert client.post(f"/live/console/{session.pk}/correct-times/", form).status_code == 302
    clock.at = at(60) + timedelta(days=30)
    assert 'data-testid="correct-times"' not in client.get(f"/live/console/{session.pk}/").content.decode()
    staff = Client()
    staff.force_login(_with_role(UserFactory(), "staff"))
    assert 'data-testid="correct-times"' in staff.get(f"/live/console/{session.pk}/").content.decode()
    assert staff.post(f"/live/console/{session.pk}/correct-times/", {**form, "ended_at": local(55)}).status_code == 302
    assert session.time_corrections.count() == 2


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"started_at": local(0), "ended_at": local(60), "reason": "  "}, "Укажите причину исправления."),
        (
            {"started_at": local(0), "ended_at": local(-5), "reason": "x"},
            "Эфир может закончиться только после фактического начала.",
        ),
        ({"started_at": local(0), "ended_at": local(250), "reason": "x"}, "не может быть позже предела"),
        ({"started_at": local(0), "ended_at": "", "reason": "x"}, "Записанное завершение можно исправить"),
        ({"started_at": local(-3000), "ended_at": local(60), "reason": "x"}, "больше чем на сутки"),
        ({"started_at": "вчера", "ended_at": local(60), "reason": "x"}, "Введите правильную дату и время."),
    ],
)
def test_a_refused_correction_is_a_400_with_the_reason(held, clock, form, message):
    session, speaker, _person = held
    clock.at = at(300)
    client = Client()
    client.force_login(speaker.user)
    response = client.post(f"/live/console/{session.pk}/correct-times/", form)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not session.time_corrections.exists()


def test_the_service_checks_the_same_rules(held):
    session, speaker, _person = held
    with pytest.raises(ValidationError) as error:
        session_times_correct(session=session, started_at=at(0), ended_at=at(60), reason="", by=speaker.user)
    assert "reason" in error.value.message_dict
