"""The cost per page of the two pages `make load` opens at 20/s: the personal cabinet and the
lecture page (issue 14 §3: "halve it if it is what limits the load"; once the cabinet was halved,
the lecture page cost as much, so it was halved too).

The demo season as `make demo` seeds it, plus the load run's lecture and one of its viewers
(bench/load/seed.py). Each page is requested through
the whole middleware stack in this process (Django's test client), logged in, and measured as:

- Python function calls per page (cProfile): repeatable whatever else the machine is doing, so
  the targets are set on it. At 5402e92, before the cabinet's work, the cabinet made 95,022 calls;
  at 081817e, before the lecture page's, that page made 49,101. The targets keep each halving from
  coming undone: at most 51 % of those (docs/deploy/capacity.md).
- CPU milliseconds per page (best of three rounds of 200): what a web worker spends.

Beside them, in the same run: each page with the pages' cache switched off (every page reads the
published structure and routes from the database, as before), and the cheapest logged-in page of the site
(`/cabinet/data/`: the same middleware, session, user and base template, no panels), the floor any
page pays."""

import cProfile
import pstats
import subprocess
import sys
import time
from contextlib import contextmanager

from bench.common import ROOT, django_setup
from bench.load.seed import LOAD_COURSE_SLUG, LOAD_LECTURE_SLUG

# The calls per page before each halving (measured as below): the page's path, the commit, the calls.
BEFORE = {
    "cabinet": ("/cabinet/", "5402e92", 95_022),
    "lecture page": (f"/courses/{LOAD_COURSE_SLUG}/{LOAD_LECTURE_SLUG}/", "081817e", 49_101),
}
TARGET_SHARE = 51  # per cent of before
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
    memo._cached = lambda subject, key, compute, keep_none: compute()
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
    cabinet, lecture = BEFORE["cabinet"][0], BEFORE["lecture page"][0]
    rows = {}
    for label, username, path, cache_on in (
        ("cabinet", viewer, cabinet, True),
        ("cabinet, pages' cache off", viewer, cabinet, False),
        ("lecture page", viewer, lecture, True),
        ("lecture page, pages' cache off", viewer, lecture, False),
        ("cabinet, demo-young (more panels filled)", "demo-young", cabinet, True),
        ("floor: /cabinet/data/", viewer, "/cabinet/data/", True),
    ):
        client = _client(username)
        if cache_on:
            rows[label] = _measure(client, path)
        else:
            with _pages_cache_off():
                rows[label] = _measure(client, path)
    print(f"{'page (a load viewer unless named)':<44} {'calls':>9} {'CPU ms':>8}")
    for label, (calls, cpu) in rows.items():
        print(f"{label:<44} {calls:>9,.0f} {cpu:>8.2f}")
    floor = rows["floor: /cabinet/data/"]
    met = True
    for page, (_path, commit, before) in BEFORE.items():
        calls, cpu = rows[page]
        cold = rows[f"{page}, pages' cache off"]
        print(
            f"{page} / floor: {calls / floor[0]:.1f}× calls, {cpu / floor[1]:.1f}× CPU; "
            f"pages' cache off / on: {cold[0] / calls:.2f}× calls, {cold[1] / cpu:.2f}× CPU"
        )
        target = before * TARGET_SHARE // 100
        print(
            f"target: the {page} ≤ {target:,} calls ({TARGET_SHARE} % of {before:,} at {commit}): "
            f"{calls:,.0f} ({calls / before:.1%} of before): {'met' if calls <= target else 'MISSED'}"
        )
        met = met and calls <= target
    return met
