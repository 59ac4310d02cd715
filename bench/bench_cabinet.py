"""The personal cabinet's cost per page (issue 14 §3: "halve it if it is what limits the load").

The demo season as `make demo` seeds it, plus the load run's lecture and one of its viewers
(bench/load/seed.py): the page the 20 pages/s of `make load` open. Each page is requested through
the whole middleware stack in this process (Django's test client), logged in, and measured as:

- Python function calls per page (cProfile): repeatable whatever else the machine is doing, so
  the target is set on it. At 5402e92, before the cabinet's work, this page made 95,022 calls.
  The target keeps the halving from coming undone: at most 51 % of that (the work reached 50.7 %,
  48,182 calls; the CPU, paired with the old code in one run, about half: docs/deploy/capacity.md).
- CPU milliseconds per page (best of three rounds of 200): what a web worker spends.

Beside it, in the same run: the same cabinet with the pages' cache switched off (every page reads
the published structure from the database, as before), and the cheapest logged-in page of the site
(`/cabinet/data/`: the same middleware, session, user and base template, no panels), the floor any
page pays."""

import cProfile
import pstats
import subprocess
import sys
import time
from contextlib import contextmanager

from bench.common import ROOT, django_setup

CALLS_BEFORE = 95_022  # the load viewer's cabinet at 5402e92, measured as below
TARGET_CALLS = CALLS_BEFORE * 51 // 100
ROUNDS, PAGES = 3, 200
DATABASE = "lms_bench_cabinet"


def _seed(env: dict[str, str]) -> None:
    from django.contrib.auth import get_user_model

    if not get_user_model().objects.filter(username="demo-young").exists():
        print("seeding the demo (once per bench database)…", flush=True)
        subprocess.run(
            [sys.executable, "manage.py", "seed_demo"],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    from bench.load import seed

    seed.lecture_ensure()
    seed.viewers_ensure(count=2)  # the second is the one measured, as CALLS_BEFORE was


@contextmanager
def _pages_cache_off():
    """Every page computes what lms.memo.page_cached would have kept (the reads as before it)."""
    from lms import memo

    kept = memo._cached
    memo._cached = lambda subject, key, compute: compute()
    try:
        yield
    finally:
        memo._cached = kept


def _client(username: str):
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username=username))
    return client


def _measure(client, path: str) -> tuple[float, float]:
    """(calls per page, CPU ms per page, best of ROUNDS)."""
    for _ in range(10):  # warm: templates compiled, caches filled, connections open
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.status_code)
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(20):
        client.get(path)
    profile.disable()
    calls = pstats.Stats(profile).total_calls / 20
    rounds = []
    for _ in range(ROUNDS):
        started = time.process_time()
        for _ in range(PAGES):
            client.get(path)
        rounds.append((time.process_time() - started) * 1000 / PAGES)
    return calls, min(rounds)


def run() -> bool:
    env = django_setup(database=DATABASE)
    _seed(env)
    from bench.load.seed import USERNAME

    viewer = USERNAME.format(1)
    rows = []
    for label, username, path, cache_on in (
        ("cabinet, a load viewer", viewer, "/cabinet/", True),
        ("  the same, pages' cache off", viewer, "/cabinet/", False),
        ("cabinet, demo-young (more panels filled)", "demo-young", "/cabinet/", True),
        ("floor: /cabinet/data/, a load viewer", viewer, "/cabinet/data/", True),
    ):
        client = _client(username)
        if cache_on:
            rows.append((label, *_measure(client, path)))
        else:
            with _pages_cache_off():
                rows.append((label, *_measure(client, path)))
    print(f"{'page':<44} {'calls':>9} {'CPU ms':>8}")
    for label, calls, cpu in rows:
        print(f"{label:<44} {calls:>9,.0f} {cpu:>8.2f}")
    ours, cold, floor = rows[0], rows[1], rows[3]
    print(
        f"cabinet / floor: {ours[1] / floor[1]:.1f}× calls, {ours[2] / floor[2]:.1f}× CPU; "
        f"pages' cache off / on: {cold[1] / ours[1]:.2f}× calls, {cold[2] / ours[2]:.2f}× CPU"
    )
    met = ours[1] <= TARGET_CALLS
    print(
        f"target: the load viewer's cabinet ≤ {TARGET_CALLS:,} calls (51 % of {CALLS_BEFORE:,} at 5402e92): "
        f"{ours[1]:,.0f} ({ours[1] / CALLS_BEFORE:.1%} of before): {'met' if met else 'MISSED'}"
    )
    return met
