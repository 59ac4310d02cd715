"""Credited spans go through a Redis stream to PostgreSQL: nothing lost, nothing doubled."""

import io
import json
import time
import uuid

import pytest

from courses.beats import flush
from courses.beats.flush import progress_pending
from courses.beats.stores import STREAM, progress_store
from courses.models import LectureProgress
from courses.services import lecture_progress_flush, lecture_progress_record
from courses.tests.factories import beat_key_for, lecture_make, participant_make

pytestmark = [pytest.mark.django_db, pytest.mark.redis]


@pytest.fixture
def redis_store(settings):
    settings.COURSES_REDIS_URL = settings.REDIS_URL
    return progress_store()


def play(participant, lecture, *, seconds: int, at: float):
    playback = uuid.uuid4()
    key = beat_key_for(user=participant.user, lecture_id=lecture.id, at=at)
    kwargs = dict(beat_key=key, lecture_id=lecture.id, playback_id=playback, rate=1.0, visible=True)
    lecture_progress_record(seq=0, start=0, end=0, now=at, **kwargs)
    result = None
    for seq in range(1, seconds // 10 + 1):
        result = lecture_progress_record(seq=seq, start=(seq - 1) * 10, end=seq * 10, now=at + seq * 10, **kwargs)
    return result


def stored(participant, lecture) -> float:
    row = LectureProgress.objects.filter(user=participant.user, lecture=lecture).first()
    return row.watched_seconds if row else 0.0


def test_a_beat_writes_nothing_to_the_database_and_the_answer_includes_unflushed_spans(
    redis_store, lecture, participant, django_assert_num_queries
):
    play(participant, lecture, seconds=10, at=time.time())
    playback = uuid.uuid4()
    now = time.time() + 100
    key = beat_key_for(user=participant.user, lecture_id=lecture.id, at=now)
    kwargs = dict(beat_key=key, lecture_id=lecture.id, playback_id=playback, rate=1.0, visible=True)
    with django_assert_num_queries(0):  # the key carries what judging needs; the state lives in Redis
        lecture_progress_record(seq=0, start=10, end=10, now=now, **kwargs)
        result = lecture_progress_record(seq=1, start=10, end=20, now=now + 10, **kwargs)
    assert result.watched_seconds == 20
    assert stored(participant, lecture) == 0
    assert lecture_progress_flush() == 2
    row = LectureProgress.objects.get(user=participant.user, lecture=lecture)
    assert row.watched_seconds == 20 and row.spans == [[0.0, 20.0]] and row.last_position == 20


def test_completion_time_is_the_receipt_time_not_the_flush_time(redis_store, course, participant):
    lecture = lecture_make(course=course, duration=100)
    at = time.time() - 3600
    play(participant, lecture, seconds=90, at=at)
    lecture_progress_flush()
    row = LectureProgress.objects.get(user=participant.user, lecture=lecture)
    assert row.completed_at.timestamp() == pytest.approx(at + 90)


def test_a_flush_that_dies_before_the_commit_loses_nothing(redis_store, lecture, season, participant, monkeypatch):
    other = participant_make(season=season)
    play(participant, lecture, seconds=30, at=time.time())
    play(other, lecture, seconds=50, at=time.time())

    def crash(*args, **kwargs):
        raise RuntimeError("the worker died")

    # The rows are written by one statement at the batch's end (flush._progress_rows_save).
    monkeypatch.setattr(flush, "_progress_rows_save", crash)
    with pytest.raises(RuntimeError):
        lecture_progress_flush()
    monkeypatch.undo()
    assert stored(participant, lecture) == 0
    lecture_progress_flush()
    assert (stored(participant, lecture), stored(other, lecture)) == (30, 50)


def test_a_flush_that_dies_after_the_commit_doubles_nothing_on_rerun(redis_store, lecture, participant, monkeypatch):
    play(participant, lecture, seconds=40, at=time.time())
    store = redis_store

    def crash(*args, **kwargs):
        raise ConnectionError("the worker died before XACK")

    monkeypatch.setattr(store.redis, "xack", crash)
    with pytest.raises(ConnectionError):
        lecture_progress_flush()
    monkeypatch.undo()
    assert stored(participant, lecture) == 40
    assert progress_pending() == 4  # still pending: the re-run reads them again
    assert lecture_progress_flush() == 4
    assert stored(participant, lecture) == 40
    assert progress_pending() == 0 and store.redis.xlen(STREAM) == 0


def test_flush_in_small_batches_applies_everything_once(redis_store, course, season):
    lecture = lecture_make(course=course, duration=300)
    people = [participant_make(season=season) for _ in range(3)]
    at = time.time()
    for person in people:
        play(person, lecture, seconds=60, at=at)
    assert lecture_progress_flush(batch_size=5) == 18
    assert [stored(person, lecture) for person in people] == [60, 60, 60]


def test_the_periodic_task_flushes(redis_store, lecture, participant):
    from courses.tasks import lecture_progress_flush_task

    play(participant, lecture, seconds=20, at=time.time())
    assert lecture_progress_flush_task.apply().get() == 2
    assert stored(participant, lecture) == 20


def test_the_script_caller_loads_a_missing_script_and_survives_a_dropped_connection(redis_store):
    import redis

    from courses.beats.script_caller import ScriptCaller

    # A script Redis has never seen: the first call meets NOSCRIPT and redis-py loads it.
    caller = ScriptCaller(redis_store.redis, f"return {{'pong', ARGV[1], '{uuid.uuid4()}'}}")
    assert caller(keys=[], args=["a"])[:2] == [b"pong", b"a"]
    assert caller(keys=[], args=["b"])[:2] == [b"pong", b"b"]
    assert caller._local.channel is not None  # the plain socket answered
    caller._local.channel.sock.close()  # the connection drops (Redis restarted, a timeout)
    assert caller(keys=[], args=["c"])[:2] == [b"pong", b"c"]
    assert caller(keys=[], args=["d"])[:2] == [b"pong", b"d"]
    failing = ScriptCaller(redis_store.redis, f"return redis.error_reply('boom {uuid.uuid4()}')")
    for _ in range(2):  # through redis-py (NOSCRIPT first), then through the plain socket
        with pytest.raises(redis.ResponseError, match="boom"):
            failing(keys=[], args=[])


def test_reading_lectures_leaves_redis_unchanged_and_handing_out_a_key_seeds_it(
    redis_store, lecture, participant, django_assert_num_queries
):
    """Selectors only read; the service that goes with handing out a beat key brings stored
    progress into Redis, so the first beat needs no database query."""
    from courses.selectors import lecture_row_for_user, lecture_rows_for_participant
    from courses.services import lecture_progress_seed

    LectureProgress.objects.create(user=participant.user, lecture=lecture, spans=[[0, 30]], watched_seconds=30)
    keys = f"courses:*:{participant.user_id}*"
    assert list(redis_store.redis.scan_iter(keys)) == []
    rows = lecture_rows_for_participant(participant=participant)
    row = lecture_row_for_user(user=participant.user, lecture=lecture)
    assert list(redis_store.redis.scan_iter(keys)) == []
    assert row.snapshot.spans == [[0, 30]] and rows[0].snapshot.spans == [[0, 30]]

    lecture_progress_seed(user_id=participant.user_id, rows=[row])
    from courses.selectors import lecture_beat_key

    key = lecture_beat_key(row=row, user_id=participant.user_id)
    kwargs = dict(beat_key=key, lecture_id=lecture.id, playback_id=uuid.uuid4(), rate=1.0, visible=True)
    with django_assert_num_queries(0):
        opened = lecture_progress_record(seq=0, start=30, end=30, **kwargs)
    assert opened.watched_seconds == 30


def test_an_entry_of_a_deleted_user_is_set_aside_and_every_other_entry_is_stored(
    redis_store, course, lecture, season, participant, django_user_model
):
    from django.core.management import call_command

    from courses.models import LecturePage, ProgressDeadLetter
    from courses.selectors import progress_dead_letters, progress_flush_health

    gone, other = participant_make(season=season), participant_make(season=season)
    removed = lecture_make(course=course)
    at = time.time()
    play(participant, lecture, seconds=30, at=at)
    play(gone, lecture, seconds=20, at=at)
    play(other, lecture, seconds=40, at=at)
    play(other, removed, seconds=10, at=at + 100)
    redis_store.redis.xadd(STREAM, {"u": participant.user_id, "l": lecture.id, "s": "x"})  # unreadable
    health = progress_flush_health()
    assert health.pending == 11 and health.oldest_age_seconds >= 0
    # The account goes with its participant and application (they protect it) after its beats were credited.
    gone.delete()
    gone.application.delete()
    django_user_model.objects.filter(pk=gone.user_id).delete()
    LecturePage.objects.filter(pk=removed.pk).delete()

    assert lecture_progress_flush() == 11
    assert (stored(participant, lecture), stored(other, lecture)) == (30, 40)
    letters = progress_dead_letters()
    assert letters.count == 4
    assert sorted(letter.reason for letter in letters.latest) == ["lecture_gone", "malformed", "user_gone", "user_gone"]
    assert {letter.user_id for letter in letters.latest if letter.reason == "user_gone"} == {gone.user_id}
    assert progress_flush_health() == (0, None, True)
    assert ProgressDeadLetter.objects.filter(reason="lecture_gone").get().fields["l"] == str(removed.pk)

    out = io.StringIO()
    call_command("progress_flush_status", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {
        "reachable": True,
        "pending": 0,
        "oldest_age_seconds": None,
        "dead_letters": 4,
    }


def test_staff_see_the_pending_stream_and_the_dead_letters(
    redis_store, lecture, participant, client, django_user_model
):
    from courses.models import ProgressDeadLetter

    play(participant, lecture, seconds=20, at=time.time() - 30)
    ProgressDeadLetter.objects.create(stream_id="1-0", user_id=999, lecture_id=lecture.id, reason="user_gone")
    client.force_login(django_user_model.objects.create(username="staffer", is_staff=True))
    page = client.get("/courses/staff/lectures/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "2 credited stretches wait to be stored" in page
    assert 'data-testid="dead-letter-count">(1)' in page and "no longer exists" in page
