"""A viewer's own client beside `make load`'s load: a few more viewers, each beating every
BEAT_SECONDS as the player does, from a process of their own, one request at a time over each
viewer's kept TLS connection, started by the runner at the load generator's priority.

Why: locust's clock holds locust's own queueing. Its one event loop serves every simulated user
and shares the stack's two cores, so a beat's answer can wait in the kernel or behind other users'
work before locust reads it. A viewer's browser has a CPU of its own. The probe is idle between its
beats and stands for that browser: its time for a beat covers the viewer's wait (TLS, nginx, the
beat pool, Redis), not the load generator's. The report gives both clocks and nginx's
(docs/deploy/capacity.md).

Plain `http.client` on purpose: importing locust patches the standard library with gevent, and the
probe must not queue behind a loop of its own.

Input: the runner's plan (LOAD_VIEWERS_FILE: "probe_viewers", the site, the certificate). Beats
until SIGTERM, then writes LOAD_PROBE_FILE: each beat's start (epoch s) and time (ms), the
failures by reason, and the watched seconds acknowledged to and the position sent by each viewer,
which the runner checks with the locust viewers'."""

import collections
import heapq
import http.client
import json
import os
import signal
import ssl
import sys
import time
import urllib.parse
from collections.abc import Callable

from bench.load.player import BEAT_SECONDS, Player, answer_object

# Sleep in slices this long at most, so that SIGTERM ends the probe promptly.
SLEEP_SLICE_SECONDS = 0.2


class _Stop:
    asked = False


def _stop(signum, frame):
    _Stop.asked = True


def _connection(site: urllib.parse.SplitResult, certificate: str | None) -> http.client.HTTPConnection:
    if site.scheme == "https":
        context = ssl.create_default_context(cafile=certificate)
        return http.client.HTTPSConnection(site.hostname, site.port, context=context, timeout=30)
    return http.client.HTTPConnection(site.hostname, site.port, timeout=30)


def probe_run(*, plan: dict, stopped: Callable[[], bool]) -> dict:
    """Beat for each of the plan's probe viewers until `stopped()`; what was measured."""
    site = urllib.parse.urlsplit(plan["site"])
    viewers = plan["probe_viewers"]
    now = time.monotonic()
    players, connections, turns = [], [], []
    for index, viewer in enumerate(viewers):
        players.append(
            Player(
                lecture_id=plan["lecture_id"], beat_key=viewer["beat_key"], duration=plan["duration"], started_at=now
            )
        )
        connections.append(_connection(site, plan.get("certificate")))
        # Spread over a beat's interval, as viewers who pressed play at different moments.
        turns.append((now + BEAT_SECONDS * index / max(1, len(viewers)), index))
    heapq.heapify(turns)
    beats: list[tuple[float, float]] = []
    failures: collections.Counter = collections.Counter()
    acknowledged: dict[str, float] = {}
    sent_to: dict[str, float] = {}
    while not stopped():
        due, index = turns[0]
        wait = due - time.monotonic()
        if wait > 0:
            time.sleep(min(wait, SLEEP_SLICE_SECONDS))
            continue
        heapq.heapreplace(turns, (due + BEAT_SECONDS, index))
        player, connection, user_id = players[index], connections[index], str(viewers[index]["user_id"])
        body = player.beat(time.monotonic())
        sent_to[user_id] = body["to"]
        started_at, started = time.time(), time.perf_counter()
        try:
            connection.request("POST", player.progress_path, body=json.dumps(body), headers=player.headers())
            answer = connection.getresponse()
            status, text = answer.status, answer.read()
        except (OSError, http.client.HTTPException) as error:
            connection.close()  # the next beat opens a new connection
            failures[f"{type(error).__name__}: {error}"[:160]] += 1
            continue
        beats.append((started_at, (time.perf_counter() - started) * 1000))
        data = answer_object(text)
        player.answered(body, status, data)
        if status == 200:
            acknowledged[user_id] = data["watched_seconds"]
        else:
            failures[f"{status} {str(data)[:120]}"] += 1
    for connection in connections:
        connection.close()
    return {"beats": beats, "failures": dict(failures), "acknowledged": acknowledged, "sent_to": sent_to}


def main() -> int:
    signal.signal(signal.SIGTERM, _stop)
    with open(os.environ["LOAD_VIEWERS_FILE"]) as source:
        plan = json.load(source)
    result = probe_run(plan=plan, stopped=lambda: _Stop.asked)
    with open(os.environ["LOAD_PROBE_FILE"], "w") as target:
        json.dump(result, target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
