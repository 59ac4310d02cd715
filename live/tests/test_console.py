"""The console reads stored figures: events queue their derivation (debounced per session), the
page derives nothing and says when its figures were derived."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from live.models import Attendance, AttendanceEvent, LiveSession
from live.services.attendance import attendance_events_store, session_derive_later
from live.tasks import session_attendance_derive_task
from live.tests.factories import LiveSessionFactory, SpeakerFactory
from lms.middleware import SESSION_TIMEZONE_KEY
from tests.factories import ParticipantFactory, SeasonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def running(settings):
    settings.REDIS_URL = ""
    speaker = SpeakerFactory()
    speaker.user.groups.add(Group.objects.get_or_create(name="speaker")[0])
    season = SeasonFactory()
    now = timezone.now()
    session = LiveSessionFactory(
        season=season,
        speakers=[speaker],
        starts_at=now - timedelta(minutes=30),
        actual_started_at=now - timedelta(minutes=30),
    )
    return session, speaker, ParticipantFactory(season=season)


def _join(session, person, minutes_ago: int) -> AttendanceEvent:
    return AttendanceEvent(
        session=session,
        user=person.user,
        source="bbb",
        kind="join",
        connection=f"w{minutes_ago}",
        occurred_at=timezone.now() - timedelta(minutes=minutes_ago),
        dedupe_key=f"join-{minutes_ago}",
    )


def _beat(session, person) -> AttendanceEvent:
    return AttendanceEvent(
        session=session,
        user=person.user,
        source="page",
        kind="beat",
        connection="tab",
        occurred_at=timezone.now(),
        dedupe_key="beat-now",
    )


def test_the_console_derives_nothing_and_shows_the_figures_once_the_queued_derivation_ran(
    client, running, django_capture_on_commit_callbacks
):
    session, speaker, person = running
    client.force_login(speaker.user)
    # Raw, no derivation queued: a join 20 min ago, and the page's beat a moment ago (the last
    # evidence: a running session is measured to it).
    attendance_events_store(events=[_join(session, person, 20), _beat(session, person)])

    page = client.get(f"/live/console/{session.pk}/")
    assert "Показатели ещё не рассчитаны" in page.content.decode()
    assert not Attendance.objects.exists()  # the page wrote nothing
    session.refresh_from_db()
    assert session.figures_derived_at is None

    # An event through a service queues the derivation; eager Celery runs it on commit.
    with django_capture_on_commit_callbacks(execute=True):
        session_derive_later(session_ids=[session.pk])
    row = Attendance.objects.get(session=session, user=person.user)
    assert 1195 <= row.covered_seconds <= 1205

    # More raw events: the figures stay as derived until the next derivation runs.
    attendance_events_store(events=[_join(session, person, 29)])
    page = client.get(f"/live/console/{session.pk}/").content.decode()
    assert Attendance.objects.get(pk=row.pk).covered_seconds == row.covered_seconds
    assert "Показатели рассчитаны" in page


def test_the_console_says_when_its_figures_were_derived_in_the_viewers_zone(client, running):
    session, speaker, _person = running
    LiveSession.objects.filter(pk=session.pk).update(figures_derived_at=datetime(2026, 3, 2, 9, 15, 7, tzinfo=UTC))
    client.force_login(speaker.user)
    web = client.session
    web[SESSION_TIMEZONE_KEY] = "Asia/Vladivostok"
    web.save()
    page = client.get(f"/live/console/{session.pk}/").content.decode()
    assert "Показатели рассчитаны 2 марта, 19:15:07" in page
    english = client.get(f"/live/console/{session.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Figures as derived at 2 March, 19:15:07" in english


def test_events_queue_one_derivation_per_session_per_window_and_it_runs_after_the_window(
    running, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """With a broker: the first event of a window takes the lock and queues the task to run once
    the window has closed, so every event that found the lock taken is included in it."""
    session, _speaker, _person = running
    settings.LIVE_DERIVE_DEBOUNCE_SECONDS = 5
    monkeypatch.setitem(session_attendance_derive_task.app.conf, "task_always_eager", False)
    queued = []
    monkeypatch.setattr(session_attendance_derive_task, "apply_async", lambda **kwargs: queued.append(kwargs))
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            session_derive_later(session_ids=[session.pk])
    assert queued == [{"args": [session.pk], "countdown": 6}]
