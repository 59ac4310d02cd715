"""`make load`'s pieces that can be wrong without the stack (bench/load/): the simulated player's
beats are what the endpoint accepts and credits, a seeded viewer's session and grant work as a
browser's do, and the CPU of a process tree is read from /proc. The load itself runs with
`make load` only (minutes, the whole stack)."""

import datetime
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from django.test import Client

from bench.load import cpu, seed
from bench.load.player import BEAT_SECONDS, Player
from courses.apis import beat_input_parse
from courses.services import lecture_progress_record
from courses.tests.factories import beat_key_for, course_make, lecture_make, participant_make
from tests.factories import SeasonFactory

pytestmark = [pytest.mark.django_db, pytest.mark.redis]
# The server clock of the crediting test: now, so the lecture is open.
T0 = float(int(time.time()))


@pytest.fixture(autouse=True)
def _redis_store(settings):
    # The beats' production store: the load drives the Redis script.
    settings.COURSES_REDIS_URL = settings.REDIS_URL


@pytest.fixture
def watching():
    """(a participant, an open lecture of ten minutes in their course)."""
    season = SeasonFactory()
    participant = participant_make(season=season)
    lecture = lecture_make(course=course_make(season=season), duration=600.0)
    return participant, lecture


def _post(client, player: Player, body: dict):
    headers = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in player.headers().items()}
    headers.pop("HTTP_CONTENT_TYPE")
    return client.post(player.progress_path, json.dumps(body), content_type="application/json", **headers)


def test_the_simulated_players_beats_are_accepted_by_the_endpoint_without_cookies(watching):
    participant, lecture = watching
    key = beat_key_for(user=participant.user, lecture_id=lecture.id)
    player = Player(lecture_id=lecture.id, beat_key=key, duration=600.0, started_at=time.monotonic() - 30)
    client = Client()  # no session: the key is the credential, as the player's fetch sends no cookie
    outcomes = []
    for _ in range(3):
        body = player.beat(time.monotonic())
        assert beat_input_parse(body)["seq"] == body["seq"]
        answer = _post(client, player, body)
        assert answer.status_code == 200, answer.content
        player.answered(body, 200, answer.json())
        outcomes.append(answer.json()["outcome"])
    # Sent within milliseconds here, so the stretches after the first are capped by wall time.
    assert outcomes[0] == "opened" and set(outcomes[1:]) <= {"credited", "capped"}
    assert player.acknowledged == body["to"]


def test_beats_ten_seconds_apart_are_each_credited_once_and_an_unanswered_stretch_is_resent(watching):
    participant, lecture = watching
    key = beat_key_for(user=participant.user, lecture_id=lecture.id, at=T0)
    player = Player(lecture_id=lecture.id, beat_key=key, duration=600.0, started_at=T0)

    def send(now: float, *, answered: bool = True) -> dict:
        body = player.beat(now)
        parsed = beat_input_parse(body)
        result = lecture_progress_record(
            beat_key=key, lecture_id=lecture.id, playback_id=parsed["playback_id"], seq=parsed["seq"],
            start=parsed["from"], end=parsed["to"], rate=parsed["rate"], visible=parsed["visible"], now=now,
        )  # fmt: skip
        data = {"outcome": result.outcome, "watched_seconds": result.watched_seconds}
        if answered:
            player.answered(body, 200, data)
        return data

    assert send(T0)["outcome"] == "opened"
    assert send(T0 + BEAT_SECONDS) == {"outcome": "credited", "watched_seconds": 10.0}
    # Credited by the server, but the answer never reached the player: it sends the stretch again
    # from where it was acknowledged, and the server credits what was new only.
    send(T0 + 2 * BEAT_SECONDS, answered=False)
    assert player.acknowledged == 10.0
    assert send(T0 + 3 * BEAT_SECONDS) == {"outcome": "credited", "watched_seconds": 30.0}
    assert player.watched_seconds == 30.0


def test_a_seeded_viewer_is_logged_in_and_renews_its_grant_with_its_csrf_cookie(settings):
    SeasonFactory(slug=seed.SEASON_SLUG)
    lecture = seed.lecture_ensure()
    user_ids = seed.viewers_ensure(count=3)
    assert seed.viewers_ensure(count=3) == user_ids  # idempotent
    session_key = seed.sessions_make(user_ids=user_ids[:1])[0]
    client = Client(enforce_csrf_checks=True)
    client.cookies["sessionid"] = session_key
    cabinet = client.get("/cabinet/")
    assert cabinet.status_code == 200 and seed.LOAD_COURSE_TITLE in cabinet.content.decode()
    assert client.get(lecture.url).status_code == 200
    csrf = "a" * 16 + "B" * 16
    client.cookies["csrftoken"] = csrf
    assert client.post(f"/api/v1/lectures/{lecture.id}/playback/").status_code == 403  # no token sent
    grant = client.post(f"/api/v1/lectures/{lecture.id}/playback/", HTTP_X_CSRFTOKEN=csrf)
    assert grant.status_code == 200 and grant.json()["beat_key"].startswith(f"{user_ids[0]}:{lecture.id}:")


def test_the_cpu_of_a_process_tree_counts_its_children():
    busy = "import time\nend = time.process_time() + 5\nwhile time.process_time() < end: pass\n"
    parent = subprocess.Popen(
        [sys.executable, "-c", f"import subprocess, sys; subprocess.run([sys.executable, '-c', {busy!r}])"],
        start_new_session=True,
    )
    try:
        time.sleep(0.3)
        assert len(cpu.process_tree(parent.pid)) == 2
        before = cpu.snapshot(stack_pids={"web": parent.pid}, postgres_pids=[])
        time.sleep(0.5)
        used = cpu.used(before, cpu.snapshot(stack_pids={"web": parent.pid}, postgres_pids=[]))
    finally:
        os.killpg(parent.pid, signal.SIGKILL)
        parent.wait(timeout=10)
    # The child spun for the half second (less when the machine is busy); the parent only waited.
    assert 0.1 < used[cpu.LABELS["web"]] <= 0.6


def test_the_beats_check_tells_lost_from_unanswered_and_twice_credited_seconds():
    from bench.load.__main__ import beats_compare

    # 1: as acknowledged; 2: a beat credited whose answer never came; 3: an acknowledged 10 s the
    # store lacks; 4: more stored than the viewer ever sent.
    compared = beats_compare(
        user_ids=[1, 2, 3, 4],
        stored={1: 30.0, 2: 40.0, 3: 20.0, 4: 50.0},
        acknowledged={1: 30.0, 2: 30.0, 3: 30.0, 4: 30.0},
        sent_to={1: 30.0, 2: 40.0, 3: 30.0, 4: 40.0},
    )
    assert compared == {"lost": 10.0, "beyond": 10.0, "unanswered": 20.0, "viewers_differing": 3}


def test_each_simulated_user_keeps_its_own_schedule_from_its_own_start(tmp_path):
    """Viewers spawned together and spread by their `on_start` must stay spread: each one's next
    beat comes a beat's interval after its own previous one (locust's `constant_pacing` counted
    from the user's creation and put every viewer's second beat in the same second). In a process
    of its own: importing locust patches the threads of the process (gevent)."""
    plan = {"page_users": 0, "pages_per_second": 0, "renew_seconds": 240, "viewers": [], "site": "https://x"}
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    probe = """
import time
from bench.load import locustfile
from bench.load.player import BEAT_SECONDS

class Spread:
    wait_time = locustfile._on_own_schedule

now = time.monotonic()
early, late, behind = Spread(), Spread(), Spread()
early.next_at, late.next_at = now + 1.0 + BEAT_SECONDS, now + 7.0 + BEAT_SECONDS
behind.next_at = now - 1.0
print(round(late.wait_time() - early.wait_time(), 1), behind.wait_time())
"""
    env = {**os.environ, "LOAD_VIEWERS_FILE": str(tmp_path / "plan.json")}
    answer = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60)
    assert answer.returncode == 0, answer.stderr
    # Six seconds apart at the start, six apart at the next turn; a task that ran past its turn
    # waits nothing (never a negative wait).
    assert answer.stdout.split() == ["6.0", "0.0"]


def test_the_beats_times_are_read_from_nginx_log_past_the_runs_start_within_its_window(tmp_path):
    """`make load` reports the beats as nginx timed them beside the clients' clocks: only the beats
    (the lecture's progress POSTs), only the lines written after the run began, only those logged
    within the measured window (nginx logs whole seconds, in its own zone)."""
    from bench.load.__main__ import nginx_beat_times

    def line(method: str, path: str, seconds: str, at: str = "06/Dec/2026:01:51:39 +0000") -> str:
        # docs/deploy/nginx.conf's `lms_no_secrets` format
        return (
            f'127.0.0.1 - [{at}] "{method} {path} HTTP/1.1" 200 123 {seconds} 0.002 '
            '"python/gevent-http-client-2.6.1" c6cd88dd821252872c7b95db995a22cd 127.0.0.1:8111\n'
        )

    log = tmp_path / "lms.access.log"
    before = line("POST", "/api/v1/lectures/19/progress/", "9.999")
    log.write_text(
        before
        + line("POST", "/api/v1/lectures/19/progress/", "0.004")
        + line("POST", "/api/v1/lectures/19/playback/", "0.200")
        + line("GET", "/cabinet/", "0.050")
        + line("POST", "/api/v1/lectures/7/progress/", "0.112")
        + line("POST", "/api/v1/lectures/7/progress/", "0.300", at="06/Dec/2026:04:51:41 +0300")
        + line("POST", "/api/v1/lectures/7/progress/", "0.500", at="06/Dec/2026:01:51:42 +0000")
    )
    opened = datetime.datetime(2026, 12, 6, 1, 51, 39, 400_000, tzinfo=datetime.UTC).timestamp()
    assert nginx_beat_times(log=log, offset=len(before), since=opened, until=opened + 2) == pytest.approx(
        [4.0, 112.0, 300.0]
    )


def test_the_probe_beats_as_a_viewer_and_counts_what_fails(watching, live_server):
    """The probe (`make load`'s own client for the beats' target) sends the player's beats to the
    real endpoint and records each one's time; a beat the endpoint refuses is a failure with its
    reason, not a time, and the probe goes on."""
    from bench.load.probe import probe_run

    participant, lecture = watching
    forger = participant_make(season=participant.season)
    plan = {
        "site": live_server.url,
        "lecture_id": lecture.id,
        "duration": 600.0,
        "probe_viewers": [
            {"user_id": participant.user.id, "beat_key": beat_key_for(user=participant.user, lecture_id=lecture.id)},
            {"user_id": forger.user.id, "beat_key": "forged"},
        ],
    }
    # Two viewers spread over a beat's interval: the first beats at once, the second 5 s later.
    deadline = time.monotonic() + 6.0
    result = probe_run(plan=plan, stopped=lambda: time.monotonic() > deadline)
    assert len(result["beats"]) == 2
    started_at, ms = result["beats"][0]
    assert abs(started_at - time.time()) < 10 and 0 < ms < 2000
    assert result["acknowledged"] == {str(participant.user.id): 0.0}
    # Each player's clock runs from the probe's start: the second opened 5 s into the lecture.
    assert result["sent_to"] == {str(participant.user.id): 0.0, str(forger.user.id): pytest.approx(5.0, abs=0.5)}
    [(reason, count)] = result["failures"].items()
    assert reason.startswith("403 ") and count == 1


def _load_report(*, window: dict, probe_beats: list, locust_beats: list) -> tuple[str, bool]:
    import argparse

    from bench.load.__main__ import report

    result = {
        "window": window,
        "latencies_ms": {"warm-up": {"beat": [30.0]}, "window": {"beat": locust_beats}, "closing": {}},
        "failures": {},
        "nginx_beats_ms": [3.0],
        "probe": {"beats": probe_beats, "failures": {}},
        "outcomes": {"credited": 3},
        "loop_lag_ms": [0.5],
        "loop_lag_tick_ms": 50.0,
        "gc_pauses_ms": {},
    }
    check = {"drained": True, "lost": 0.0, "beyond": 0.0, "unanswered": 0.0, "viewers_differing": 0}
    lines, ok = report(
        args=argparse.Namespace(viewers=2, pages_per_second=0.0, page_users=0, run_time=60),
        plan={"renew_seconds": 240, "probe_viewers": [{}]},
        result=result,
        run_cpu={},
        cpu_seconds=70.0,
        locust_cpu=1.0,
        costs={},
        check=check | {"acknowledged": 30.0, "stored": 30.0},
        loads={"prioritised": True, "before": "0", "after": "0", "idle": "99%"},
        finished=True,
    )
    return "\n".join(lines), ok


def test_the_beats_target_is_read_on_the_probes_beats_within_the_window_and_none_is_no_pass():
    """The target is the probe's p99 over the beats it started within the measured window: met
    when they are fast, whatever locust's clock says; missed when it has none there (0 of 0 is
    not a pass); missed, not a traceback, when locust stopped before it opened a window."""
    window = {"started": 1000.0, "window_from": 1014.0, "window_until": 1074.0, "stopped": 1077.0}
    fast_in_window = [(1020.0, 20.0), (1050.0, 30.0), (1010.0, 900.0), (1080.0, 900.0)]
    text, ok = _load_report(window=window, probe_beats=fast_in_window, locust_beats=[400.0])
    assert ok and "beat p99 ≤ 100 ms (a viewer's own client: the probe): met" in text
    assert "2 in the window" in text and "p99 30.0 ms" in text

    text, ok = _load_report(window=window, probe_beats=[(1010.0, 5.0), (1080.0, 5.0)], locust_beats=[5.0])
    assert not ok and "beat p99 ≤ 100 ms (a viewer's own client: the probe): MISSED" in text

    text, ok = _load_report(window={"started": 1000.0, "stopped": 1030.0}, probe_beats=[], locust_beats=[])
    assert not ok and "the load ran its time and stopped by itself: MISSED" in text
