import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from live.buffer import BUFFER_KEY, beat_buffer_length, buffer_client
from live.models import AttendanceEvent
from live.presence_keys import HEADER, PresenceKey, presence_key_make
from live.services.presence import presence_beats_flush, presence_key_issue
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


def beat(client, session, *, key, connection=None, seq=0, visible=True, body=None):
    if body is None:
        body = {"connection_id": str(connection or uuid.uuid4()), "seq": seq, "visible": visible}
    return client.post(
        f"/api/v1/live-sessions/{session.pk if hasattr(session, 'pk') else session}/presence/",
        body,
        content_type="application/json",
        headers={HEADER: key} if key is not None else {},
    )


@pytest.mark.redis
def test_beats_are_buffered_then_flushed_once_even_when_repeated(client, live_now):
    session, participant = live_now
    key = presence_key_issue(session=session, user=participant.user)
    connection = uuid.uuid4()
    for seq in (0, 1, 1, 2):  # seq 1 arrives twice (a retried request)
        assert beat(client, session, key=key, connection=connection, seq=seq).status_code == 202
    assert AttendanceEvent.objects.count() == 0  # no write per beat
    assert beat_buffer_length(client=buffer_client()) == 4
    assert presence_beats_flush() == 4
    assert AttendanceEvent.objects.filter(session=session, user=participant.user).count() == 3
    assert presence_beats_flush() == 0


@pytest.mark.redis
def test_a_beat_reads_no_database_and_no_session_and_needs_no_csrf(client, live_now, django_assert_num_queries):
    from django.test import Client

    session, participant = live_now
    key = presence_key_issue(session=session, user=participant.user)
    strict = Client(enforce_csrf_checks=True)
    with django_assert_num_queries(0):
        assert beat(strict, session, key=key).status_code == 202


@pytest.mark.redis
def test_a_flush_that_died_is_redone_without_duplicates(client, live_now):
    session, participant = live_now
    key = presence_key_issue(session=session, user=participant.user)
    for seq in range(3):
        beat(client, session, key=key, connection=uuid.UUID(int=7), seq=seq)
    redis_client = buffer_client()

    def crash(rows):
        raise RuntimeError("the database went away")

    from live.buffer import FLUSHING_SET, beat_buffer_flush

    with pytest.raises(RuntimeError):
        beat_buffer_flush(client=redis_client, store=crash)
    assert redis_client.llen(BUFFER_KEY) == 0  # moved aside, not lost
    (aside,) = redis_client.smembers(FLUSHING_SET)  # and named, so the next flush finds it without a scan
    assert redis_client.llen(aside) == 3
    beat(client, session, key=key, connection=uuid.UUID(int=7), seq=3)
    presence_beats_flush()
    assert AttendanceEvent.objects.filter(session=session).count() == 4
    assert not redis_client.exists(aside) and not redis_client.smembers(FLUSHING_SET)


@pytest.mark.redis
def test_beats_of_a_session_deleted_meanwhile_do_not_block_the_flush(client, live_now):
    session, participant = live_now
    other = LiveSessionFactory(season=session.season, starts_at=session.starts_at, ends_at=session.ends_at)
    beat(client, session, key=presence_key_issue(session=session, user=participant.user))
    beat(client, other, key=presence_key_issue(session=other, user=participant.user))
    other.delete()  # its key still verifies until it expires
    assert presence_beats_flush() == 2
    assert AttendanceEvent.objects.filter(session=session).count() == 1


def test_beats_in_flight_of_a_person_erased_meanwhile_are_dropped(client, live_now):
    from lms.privacy.services import person_erase

    session, participant = live_now
    other = ParticipantFactory(season=session.season, track=participant.track)
    beat(client, session, key=presence_key_issue(session=session, user=participant.user))
    beat(client, session, key=presence_key_issue(session=session, user=other.user))
    person_erase(user=participant.user, erased_by=UserFactory(is_staff=True))
    assert presence_beats_flush() == 2
    assert list(AttendanceEvent.objects.filter(session=session).values_list("user_id", flat=True)) == [other.user_id]


def test_without_redis_beats_are_written_through(client, live_now, settings):
    settings.REDIS_URL = ""
    session, participant = live_now
    key = presence_key_issue(session=session, user=participant.user)
    assert beat(client, session, key=key, seq=0).status_code == 202
    assert AttendanceEvent.objects.filter(session=session, user=participant.user).count() == 1


def test_beats_use_the_server_clock_and_hidden_pages_are_recorded(client, live_now, settings):
    settings.REDIS_URL = ""
    session, participant = live_now
    key = presence_key_issue(session=session, user=participant.user)
    before = timezone.now()
    # Whatever time the client claims is ignored: only the receipt time counts.
    response = beat(
        client,
        session,
        key=key,
        body={"connection_id": str(uuid.uuid4()), "seq": 0, "visible": False, "at": "2020-01-01T00:00:00Z"},
    )
    assert response.status_code == 202
    event = AttendanceEvent.objects.get()
    assert event.kind == "hidden"
    assert before <= event.occurred_at <= timezone.now()


@pytest.mark.parametrize(
    ("starts_in", "ends_in", "message"),
    [
        (timedelta(hours=2), timedelta(hours=3), "not open yet"),
        (-timedelta(hours=3), -timedelta(hours=2), "has ended"),
    ],
    ids=["not open yet", "long closed"],
)
def test_beats_outside_the_session_are_refused(client, starts_in, ends_in, message):
    season = SeasonFactory()
    session = LiveSessionFactory(season=season, starts_at=timezone.now() + starts_in, ends_at=timezone.now() + ends_in)
    participant = ParticipantFactory(season=season)
    key = presence_key_issue(session=session, user=participant.user)
    response = client.post(
        f"/api/v1/live-sessions/{session.pk}/presence/",
        {"connection_id": str(uuid.uuid4()), "seq": 0, "visible": True},
        content_type="application/json",
        headers={HEADER: key, "Accept-Language": "en"},
    )
    assert response.status_code == 400
    assert message in response.json()["session"][0]
    assert AttendanceEvent.objects.count() == 0


def test_a_session_started_early_takes_beats_at_once(client):
    season = SeasonFactory()
    session = LiveSessionFactory(
        season=season, starts_at=timezone.now() + timedelta(hours=2), ends_at=timezone.now() + timedelta(hours=3)
    )
    participant = ParticipantFactory(season=season)
    session.actual_started_at = timezone.now() - timedelta(seconds=5)
    session.save(update_fields=["actual_started_at"])
    key = presence_key_issue(session=session, user=participant.user)
    assert beat(client, session, key=key).status_code == 202


def test_only_participants_of_the_track_get_a_key(api_client, live_now):
    from django.core.exceptions import PermissionDenied

    session, participant = live_now
    stranger = UserFactory()
    with pytest.raises(PermissionDenied):
        presence_key_issue(session=session, user=stranger)
    api_client.force_authenticate(stranger)
    assert api_client.post(f"/api/v1/live-sessions/{session.pk}/presence-key/").status_code == 403
    assert api_client.post("/api/v1/live-sessions/999999/presence-key/").status_code == 404
    api_client.force_authenticate(participant.user)
    response = api_client.post(f"/api/v1/live-sessions/{session.pk}/presence-key/")
    assert response.status_code == 201
    assert response.json()["renew_in"] == 200
    assert beat(api_client, session, key=response.json()["key"]).status_code == 202
    api_client.force_authenticate(None)
    assert api_client.post(f"/api/v1/live-sessions/{session.pk}/presence-key/").status_code in (401, 403)


def test_forged_expired_and_foreign_keys_are_refused(client, live_now):
    session, participant = live_now
    other = LiveSessionFactory(season=session.season, starts_at=session.starts_at, ends_at=session.ends_at)
    key = presence_key_issue(session=session, user=participant.user)
    now = int(time.time())
    stranger_claims = PresenceKey(UserFactory().pk, session.pk, now - 600, now + 3600, now + 600)
    # Someone else's id under a real signature.
    forged = f"{presence_key_make(claims=stranger_claims).rsplit(':', 1)[0]}:{key.rsplit(':', 1)[1]}"
    assert beat(client, session, key=forged).status_code == 403
    assert beat(client, session, key=key[:-1] + ("0" if key[-1] != "0" else "1")).status_code == 403
    assert beat(client, session, key="").status_code == 403
    assert beat(client, session, key=None).status_code == 403
    assert beat(client, session, key="1:2:3").status_code == 403

    expired = presence_key_make(claims=PresenceKey(participant.user_id, session.pk, now - 600, now + 3600, now - 1))
    response = beat(client, session, key=expired)
    assert response.status_code == 403
    assert response.json()["renew"] is True

    assert beat(client, other, key=key).status_code == 403  # issued for another session
    assert beat(client, 999999, key=key).status_code == 403
    assert AttendanceEvent.objects.count() == 0
    if buffer_client() is not None:
        assert beat_buffer_length(client=buffer_client()) == 0


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        {"connection_id": "nope", "seq": 0, "visible": True},
        {"connection_id": str(uuid.uuid4()), "seq": -1, "visible": True},
        {"connection_id": str(uuid.uuid4()), "seq": "1", "visible": True},
        {"connection_id": str(uuid.uuid4()), "seq": 2**31, "visible": True},
        {"connection_id": str(uuid.uuid4()), "seq": 0, "visible": "yes"},
        {"connection_id": str(uuid.uuid4()), "seq": 0},
        {},
    ],
    ids=["not json", "list", "bad uuid", "negative seq", "text seq", "huge seq", "text bool", "no visible", "empty"],
)
def test_bad_bodies_are_refused_with_a_message(client, live_now, body):
    session, participant = live_now
    key = presence_key_issue(session=session, user=participant.user)
    response = beat(client, session, key=key, body=body)
    assert response.status_code == 400
    assert response.json()  # says what is wrong
    assert AttendanceEvent.objects.count() == 0


def test_only_post(client, live_now):
    session, _participant = live_now
    assert client.get(f"/api/v1/live-sessions/{session.pk}/presence/").status_code == 405
