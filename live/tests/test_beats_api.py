import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from live.buffer import BUFFER_KEY, beat_buffer_length, buffer_client
from live.models import AttendanceEvent
from live.services import presence_beats_flush
from live.tests.factories import LiveSessionFactory
from tests.factories import ParticipantFactory, SeasonFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def live_now():
    season = SeasonFactory()
    session = LiveSessionFactory(
        season=season, starts_at=timezone.now() - timedelta(minutes=10), ends_at=timezone.now() + timedelta(minutes=50)
    )
    participant = ParticipantFactory(season=season)
    return session, participant


def beat(api_client, session, *, connection=None, seq=0, visible=True):
    return api_client.post(
        f"/api/v1/live-sessions/{session.pk}/presence/",
        {"connection_id": str(connection or uuid.uuid4()), "seq": seq, "visible": visible},
        format="json",
    )


@pytest.mark.redis
def test_beats_are_buffered_then_flushed_once_even_when_repeated(api_client, live_now):
    session, participant = live_now
    api_client.force_authenticate(participant.user)
    connection = uuid.uuid4()
    for seq in (0, 1, 1, 2):  # seq 1 arrives twice (a retried request)
        assert beat(api_client, session, connection=connection, seq=seq).status_code == 202
    assert AttendanceEvent.objects.count() == 0  # no write per beat
    assert beat_buffer_length(client=buffer_client()) == 4
    assert presence_beats_flush() == 4
    assert AttendanceEvent.objects.filter(session=session, user=participant.user).count() == 3
    assert presence_beats_flush() == 0


@pytest.mark.redis
def test_a_flush_that_died_is_redone_without_duplicates(api_client, live_now):
    session, participant = live_now
    api_client.force_authenticate(participant.user)
    for seq in range(3):
        beat(api_client, session, connection=uuid.UUID(int=7), seq=seq)
    client = buffer_client()

    def crash(rows):
        raise RuntimeError("the database went away")

    from live.buffer import beat_buffer_flush

    with pytest.raises(RuntimeError):
        beat_buffer_flush(client=client, store=crash)
    assert client.llen(BUFFER_KEY) == 0  # moved aside, not lost
    beat(api_client, session, connection=uuid.UUID(int=7), seq=3)
    presence_beats_flush()
    assert AttendanceEvent.objects.filter(session=session).count() == 4


def test_without_redis_beats_are_written_through(api_client, live_now, settings):
    settings.REDIS_URL = ""
    session, participant = live_now
    api_client.force_authenticate(participant.user)
    assert beat(api_client, session, seq=0).status_code == 202
    assert AttendanceEvent.objects.filter(session=session).count() == 1


def test_beats_use_the_server_clock_and_hidden_pages_are_recorded(api_client, live_now, settings):
    settings.REDIS_URL = ""
    session, participant = live_now
    api_client.force_authenticate(participant.user)
    before = timezone.now()
    beat(api_client, session, seq=0, visible=False)
    event = AttendanceEvent.objects.get()
    assert event.kind == "hidden"
    assert before <= event.occurred_at <= timezone.now()


@pytest.mark.parametrize(
    ("starts_in", "ends_in"),
    [(timedelta(hours=2), timedelta(hours=3)), (-timedelta(hours=3), -timedelta(hours=2))],
    ids=["not open yet", "long closed"],
)
def test_beats_outside_the_session_are_refused(api_client, starts_in, ends_in):
    season = SeasonFactory()
    session = LiveSessionFactory(season=season, starts_at=timezone.now() + starts_in, ends_at=timezone.now() + ends_in)
    participant = ParticipantFactory(season=season)
    api_client.force_authenticate(participant.user)
    response = beat(api_client, session)
    assert response.status_code == 400
    assert AttendanceEvent.objects.count() == 0


def test_beats_from_outside_the_track_and_bad_bodies_are_refused(api_client, live_now):
    session, _participant = live_now
    api_client.force_authenticate(UserFactory())
    assert beat(api_client, session).status_code == 403
    assert (
        api_client.post(
            f"/api/v1/live-sessions/{session.pk}/presence/", {"connection_id": "nope", "seq": -1}, format="json"
        ).status_code
        == 400
    )
    assert api_client.post("/api/v1/live-sessions/999999/presence/", {}, format="json").status_code in (400, 404)
    api_client.force_authenticate(None)
    assert beat(api_client, session).status_code in (401, 403)
