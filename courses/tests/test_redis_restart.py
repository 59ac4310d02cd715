"""Redis restarts lose at most a second of beats: with AOF (`appendfsync everysec`, as the deployment
runs it, docs/deploy/README.md) credited beats come back after a crash; while Redis is away a beat
is a 503 with Retry-After, which the player retries. A private redis-server on a free port and its
own directory: the machine's shared Redis keeps nothing on disk and is never touched."""

import shutil
import signal
import socket
import subprocess
import time
import uuid

import pytest
import redis

from courses.beats.stores import progress_store
from courses.services import lecture_progress_flush, lecture_progress_record
from courses.tests.factories import beat_key_for

pytestmark = [pytest.mark.django_db, pytest.mark.redis]

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


class PrivateRedis:
    def __init__(self, directory):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.directory = directory
        self.process: subprocess.Popen | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory)]
            + ["--appendonly", "yes", "--appendfsync", "everysec", "--save", ""],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + 20
        while True:
            try:
                if client.ping() and client.info("persistence")["loading"] == 0:
                    return
            except redis.RedisError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the private redis-server did not start")
            time.sleep(0.05)

    def crash(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


@pytest.fixture
def private_redis(tmp_path, settings):
    if not shutil.which(REDIS_SERVER):
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(tmp_path)
    server.start()
    settings.COURSES_REDIS_URL = server.url
    yield server
    if server.process.poll() is None:
        server.process.terminate()
        server.process.wait(timeout=10)


def test_beats_credited_a_second_before_a_crash_are_there_after_the_restart(private_redis, lecture, participant):
    at = time.time()
    playback = uuid.uuid4()
    kwargs = dict(lecture_id=lecture.id, playback_id=playback, rate=1.0, visible=True)
    key = beat_key_for(user=participant.user, lecture_id=lecture.id, at=at)
    lecture_progress_record(beat_key=key, seq=0, start=0, end=0, now=at, **kwargs)
    for seq in range(1, 4):
        result = lecture_progress_record(
            beat_key=key, seq=seq, start=(seq - 1) * 10, end=seq * 10, now=at + seq * 10, **kwargs
        )
    assert result.watched_seconds == 30
    time.sleep(1.5)  # appendfsync everysec: what is older than a second is on disk
    private_redis.crash()
    private_redis.start()

    store = progress_store()
    snapshot = store.snapshots(user_id=participant.user_id, lecture_ids=[lecture.id])[lecture.id]
    assert snapshot.spans == [[0.0, 30.0]]
    # The playback and the lease came back too: the viewer carries on as if nothing happened.
    result = lecture_progress_record(beat_key=key, seq=4, start=30, end=40, now=at + 40, **kwargs)
    assert result.credited and result.watched_seconds == 40
    assert lecture_progress_flush() == 4


def test_a_beat_that_cannot_reach_redis_is_a_503_with_retry_after(private_redis, lecture, participant, api_client):
    key = beat_key_for(user=participant.user, lecture_id=lecture.id)
    body = {"playback_id": str(uuid.uuid4()), "seq": 0, "from": 0, "to": 0, "rate": 1, "visible": True}
    url = f"/api/v1/lectures/{lecture.id}/progress/"
    assert api_client.post(url, body, format="json", HTTP_X_BEAT_KEY=key).status_code == 200
    private_redis.crash()
    answer = api_client.post(url, {**body, "seq": 1}, format="json", HTTP_X_BEAT_KEY=key)
    assert answer.status_code == 503 and answer["Retry-After"] == "1" and answer.json()["detail"]
    private_redis.start()
    again = api_client.post(url, {**body, "seq": 1}, format="json", HTTP_X_BEAT_KEY=key)
    assert again.status_code == 200 and again.json()["outcome"] == "credited"
