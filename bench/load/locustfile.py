"""The load of `make load` (run by `python -m bench.load`, which seeds the participants and gets
their playback grants first): VIEWERS participants each watching the load lecture in the player —
a beat every 10 s, a renewal of the playback URL and beat key every minute (player.js), each
participant its own playback and lease — and PAGE_USERS participants opening their cabinet or the
lecture's page, PAGES_PER_SECOND in all, through nginx over TLS.

The run has three phases, by when a request started. The warm-up: the users are spawned and every
viewer makes its first beat (its TLS connection, its playback's opening), spread over a beat's
interval; it ends BEAT_SECONDS after the last user was spawned. The measured window: the steady
load, for the plan's `run_time` seconds. The closing: TAIL_SECONDS more, so that what the window
sent is answered before locust stops its users (a stop of 2,000 users holds the load generator's
event loop for a few hundred ms, which would be in the times of the last requests).

Its input is the runner's JSON (LOAD_VIEWERS_FILE: the site, the certificate, each viewer's
session, CSRF secret and grant, the window's length); at the end it writes what it measured
(LOAD_RESULT_FILE): every request's time by phase and endpoint, the failures (of every phase),
the load generator's own delays, and the watched seconds the endpoint last acknowledged to each
viewer, which the runner compares with what the flush stored."""

import collections
import gc
import json
import os
import random
import time

import gevent
import gevent.ssl
from locust import FastHttpUser, events, task

from bench.load.player import BEAT_SECONDS, Player, answer_object

with open(os.environ["LOAD_VIEWERS_FILE"]) as source:
    PLAN = json.load(source)
PAGE_USERS = PLAN["page_users"]
# Seconds between one visitor's pages (none when the run asks for no pages: beats alone).
PAGE_INTERVAL = PAGE_USERS / PLAN["pages_per_second"] if PAGE_USERS else 1.0
# As often as the grant asks (player.js renews so), before the URL and the key expire.
RENEW_SECONDS = PLAN["renew_seconds"]
_unassigned = collections.deque(PLAN["viewers"])

BEAT = "beat"
RENEWAL = "playback renewal"
CABINET = "cabinet"
LECTURE_PAGE = "lecture page"

WARM_UP, WINDOW, CLOSING = "warm-up", "window", "closing"
TAIL_SECONDS = 3.0

_latencies: dict[str, dict[str, list[float]]] = {
    phase: collections.defaultdict(list) for phase in (WARM_UP, WINDOW, CLOSING)
}
_failures: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
_acknowledged: dict[str, float] = {}
_sent_to: dict[str, float] = {}
_outcomes: collections.Counter = collections.Counter()
_window: dict[str, float] = {}
# The load generator's own delays within the window, in every time it measures: how late its event
# loop woke a greenlet that asked to sleep LAG_TICK_SECONDS, and how long each collection of the
# garbage collector held the whole process.
LAG_TICK_SECONDS = 0.05
_loop_lag_ms: list[float] = []
_gc_pauses_ms: dict[str, list[float]] = collections.defaultdict(list)
_gc_started: list[float] = []
_probes: list = []
_environment: list = []


_tls: list = []


def _tls_context(cafile=None):
    """One TLS context for every connection, trusting the stack's certificate. geventhttpclient asks
    with `cafile` (its default bundle); a factory that did not take it would have the bundle loaded
    into its context for every user, about 30 ms of the load generator's CPU each."""
    if not _tls:
        _tls.append(gevent.ssl.create_default_context(cafile=PLAN["certificate"]))
    return _tls[0]


def _on_own_schedule(user) -> float:
    """Wait until the user's next turn (`next_at`, moved on by each task as it starts), like a
    player's timer counting from its own start. Not locust's `constant_pacing`: it counts from the
    user's creation, before `on_start` spreads the users out, so every viewer spawned in the same
    second beat in the same second, every 10 s — a stampede no audience makes, which was what the
    beats' p99 measured (capacity.md)."""
    return max(0.0, user.next_at - time.monotonic())


def _cookies(viewer: dict) -> str:
    return f"sessionid={viewer['session']}; csrftoken={viewer['csrf']}"


class Viewer(FastHttpUser):
    """One participant watching the lecture: its player's beats and renewals, nothing else."""

    fixed_count = len(PLAN["viewers"])
    host = PLAN["site"]
    insecure = False
    ssl_context_factory = staticmethod(_tls_context)
    concurrency = 1
    network_timeout = connection_timeout = 30.0
    wait_time = _on_own_schedule

    def on_start(self):
        self.viewer = _unassigned.popleft()
        # Viewers pressed play at moments spread over a beat's interval, and loaded their page at
        # moments spread over a renewal's: the steady state of many viewers, not a stampede.
        gevent.sleep(random.uniform(0, BEAT_SECONDS))
        now = self.next_at = time.monotonic()
        self.player = Player(
            lecture_id=PLAN["lecture_id"], beat_key=self.viewer["beat_key"], duration=PLAN["duration"], started_at=now
        )
        self.renew_at = now + random.uniform(0, RENEW_SECONDS)

    @task
    def play(self):
        self.next_at += BEAT_SECONDS
        if time.monotonic() >= self.renew_at:
            self.renew_at += RENEW_SECONDS
            self._renew()
        body = self.player.beat(time.monotonic())
        _sent_to[str(self.viewer["user_id"])] = body["to"]
        # fetch(…, {credentials: "omit"}): a beat carries no cookie.
        self.client.cookiejar.clear()
        with self.client.post(
            self.player.progress_path,
            data=json.dumps(body),
            headers=self.player.headers(),
            name=BEAT,
            catch_response=True,
        ) as answer:
            data = answer_object(answer.text)
            self.player.answered(body, answer.status_code, data)
            if answer.status_code == 200:
                _outcomes[data["outcome"]] += 1
                _acknowledged[str(self.viewer["user_id"])] = data["watched_seconds"]
            else:
                answer.failure(f"{answer.status_code} {str(data)[:120]}")

    def _renew(self):
        """player.js `renew`: the session's POST with the CSRF token, a new key for the next beats."""
        self.client.cookiejar.clear()
        with self.client.post(
            self.player.playback_path,
            headers={
                "Cookie": _cookies(self.viewer),
                "X-CSRFToken": self.viewer["csrf"],
                "Referer": PLAN["lecture_url"],
            },
            name=RENEWAL,
            catch_response=True,
        ) as answer:
            data = answer_object(answer.text)
            if answer.status_code == 200 and data.get("beat_key"):
                self.player.renewed(data["beat_key"])
            else:
                answer.failure(f"{answer.status_code} {str(data)[:120]}")


class PageVisitor(FastHttpUser):
    """Participants (any of the viewers' sessions) opening their cabinet or the lecture's page."""

    fixed_count = PAGE_USERS
    host = PLAN["site"]
    insecure = False
    ssl_context_factory = staticmethod(_tls_context)
    concurrency = 1
    network_timeout = connection_timeout = 30.0
    wait_time = _on_own_schedule

    def on_start(self):
        gevent.sleep(random.uniform(0, PAGE_INTERVAL))
        self.next_at = time.monotonic()

    @task
    def cabinet(self):
        self._page(PLAN["cabinet_path"], CABINET, PLAN["cabinet_marker"])

    @task
    def lecture_page(self):
        self._page(PLAN["lecture_path"], LECTURE_PAGE, "data-lecture-player")

    def _page(self, path: str, name: str, marker: str):
        self.next_at += PAGE_INTERVAL
        viewer = random.choice(PLAN["viewers"])
        # One visitor stands for many participants: each request carries only its own session.
        self.client.cookiejar.clear()
        with self.client.get(
            path, headers={"Cookie": _cookies(viewer)}, name=name, allow_redirects=False, catch_response=True
        ) as answer:
            if answer.status_code != 200:
                answer.failure(f"{answer.status_code}")
            elif marker not in (answer.text or ""):
                answer.failure(f"200 without {marker!r}")


def _phase(started_at: float) -> str:
    if "window_from" not in _window or started_at < _window["window_from"]:
        return WARM_UP
    return WINDOW if started_at < _window["window_until"] else CLOSING


@events.request.add_listener
def _measured(request_type, name, response_time, response_length, exception=None, start_time=None, **kwargs):
    _latencies[_phase(start_time)][name].append(response_time)
    if exception is not None:
        _failures[name][str(exception)[:160]] += 1


def _loop_lag_probe():
    while True:
        asked = time.perf_counter()
        gevent.sleep(LAG_TICK_SECONDS)
        if _phase(time.time()) == WINDOW:
            _loop_lag_ms.append((time.perf_counter() - asked - LAG_TICK_SECONDS) * 1000)


def _gc_timed(phase: str, info: dict):
    if phase == "start":
        _gc_started[:] = [time.perf_counter()]
    elif _gc_started and _phase(time.time()) == WINDOW:
        _gc_pauses_ms[str(info["generation"])].append((time.perf_counter() - _gc_started[0]) * 1000)


@events.test_start.add_listener
def _started(environment, **kwargs):
    _window["started"] = time.time()
    _environment.append(environment)
    gc.callbacks.append(_gc_timed)
    _probes.append(gevent.spawn(_loop_lag_probe))


@events.spawning_complete.add_listener
def _spawned(user_count, **kwargs):
    """Every user is here: the window opens once each viewer has made its first beat, and the run
    ends after the window and its closing. The objects of the 2,000 users, which live as long as
    the run, are set aside from the garbage collector's passes (as lms/wsgi.py does for the web
    workers): a full pass over them held the whole load generator 50-100 ms."""
    now = time.time()
    _window["window_from"] = now + BEAT_SECONDS
    _window["window_until"] = _window["window_from"] + PLAN["run_time"]
    gc.collect()
    gc.freeze()
    gevent.spawn_later(_window["window_until"] + TAIL_SECONDS - now, _environment[0].runner.quit)


@events.test_stop.add_listener
def _stopped(environment, **kwargs):
    _window["stopped"] = time.time()
    gc.callbacks.remove(_gc_timed)
    gevent.killall(_probes)


@events.quitting.add_listener
def _write(environment, **kwargs):
    result = {
        "window": _window,
        "latencies_ms": _latencies,
        "failures": {name: dict(counter) for name, counter in _failures.items()},
        "acknowledged": _acknowledged,
        "sent_to": _sent_to,
        "outcomes": dict(_outcomes),
        "loop_lag_ms": _loop_lag_ms,
        "loop_lag_tick_ms": LAG_TICK_SECONDS * 1000,
        "gc_pauses_ms": _gc_pauses_ms,
        "viewers_started": len(PLAN["viewers"]) - len(_unassigned),
    }
    with open(os.environ["LOAD_RESULT_FILE"], "w") as target:
        json.dump(result, target)
