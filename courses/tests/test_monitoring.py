"""The beat stream on /health/ and the beats' figures on /metrics."""

import time
import uuid

import pytest
from django.core.exceptions import PermissionDenied
from health_check.exceptions import ServiceUnavailable
from prometheus_client import REGISTRY

from courses.beats.stores import STREAM, progress_store
from courses.health import BeatStream
from courses.services import lecture_progress_record
from courses.tests.factories import beat_key_for

pytestmark = [pytest.mark.django_db, pytest.mark.redis]


@pytest.fixture
def redis_store(settings):
    settings.COURSES_REDIS_URL = settings.REDIS_URL
    return progress_store()


def stream_entry(store, *, age_seconds: float) -> None:
    """A credited span received `age_seconds` ago (a stream id starts with its millisecond)."""
    added = int((time.time() - age_seconds) * 1000)
    store.redis.xadd(STREAM, {"u": 1, "l": 1, "s": 0, "e": 1, "p": 1, "t": added / 1000}, id=f"{added}-0")


def test_the_beat_stream_is_healthy_while_the_flush_keeps_up(redis_store, settings):
    settings.COURSES_FLUSH_HEALTH_MAX_AGE_SECONDS = 60
    BeatStream().run()  # nothing waits
    stream_entry(redis_store, age_seconds=20)
    BeatStream().run()  # a young backlog is a busy minute


def test_the_beat_stream_fails_when_its_oldest_span_waits_too_long(redis_store, settings, client):
    settings.COURSES_FLUSH_HEALTH_MAX_AGE_SECONDS = 60
    stream_entry(redis_store, age_seconds=90)
    stream_entry(redis_store, age_seconds=5)
    with pytest.raises(ServiceUnavailable, match=r"2 credited spans wait for the flush, the oldest for 9\d s"):
        BeatStream().run()
    answer = client.get("/health/?format=json")
    assert answer.status_code == 500
    assert answer.json()["BeatStream()"].startswith("Unavailable: 2 credited spans wait")
    assert answer.json()["Database(alias='default')"] == "OK"


def test_the_beat_stream_fails_when_redis_cannot_be_reached(settings):
    settings.COURSES_REDIS_URL = "redis://127.0.0.1:1/0"
    with pytest.raises(ServiceUnavailable, match="cannot be reached"):
        BeatStream().run()


def counted(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(f"lms_{name}_total", labels) or 0.0


def test_beats_are_counted_by_outcome_and_refusals_by_reason(redis_store, lecture, participant):
    accepted = counted("beats_accepted", outcome="opened")
    refused = counted("beats_refused", reason="key_invalid")
    invalid = counted("beats_refused", reason="invalid")
    now = time.time()
    key = beat_key_for(user=participant.user, lecture_id=lecture.id, at=now)
    beat = dict(lecture_id=lecture.id, playback_id=uuid.uuid4(), rate=1.0, visible=True, now=now)
    assert lecture_progress_record(beat_key=key, seq=0, start=0, end=0, **beat).outcome == "opened"
    with pytest.raises(PermissionDenied):
        lecture_progress_record(beat_key="forged", seq=1, start=0, end=1, **beat)
    with pytest.raises(Exception, match="seq"):
        lecture_progress_record(beat_key=key, seq=0, start=0, end=5, **beat)
    assert counted("beats_accepted", outcome="opened") == accepted + 1
    assert counted("beats_refused", reason="key_invalid") == refused + 1
    assert counted("beats_refused", reason="invalid") == invalid + 1
