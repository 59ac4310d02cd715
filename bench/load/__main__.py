"""`make load`: python -m bench.load [--viewers 2000] [--pages-per-second 20] [--run-time 60]

1. The stack: used if this checkout's `make stack` runs, otherwise started (and stopped at the end).
2. Seed, in the stack's database: the load lecture, the viewers (participants, PROBE_VIEWERS more
   for the probe) and a session each.
3. Each viewer's playback grant (URL and beat key), asked for as the player renews it: the
   session's POST to /api/v1/lectures/<id>/playback/ through nginx.
4. Calibration: the CPU of one cabinet, lecture page, renewal and opening beat, each alone
   (sequential requests), per process.
5. The load: locust, headless (killed after two minutes whatever happens): a warm-up in which every
   viewer makes its first beat, then the measured window of --run-time seconds (locustfile.py); the
   probe beside it (probe.py); the CPU of every process read from /proc before and after.
6. The check: once the beat worker's flush has stored every credited span, the watched seconds in
   PostgreSQL equal those the endpoint last acknowledged to each viewer.
7. The report: printed, and written to var/load/last.md (markdown, for docs/deploy/capacity.md).

Exit status 1 when a target is missed: any error, any beat lost or credited twice, the beats' p99
above 100 ms on a viewer's own clock (the probe's)."""

import argparse
import concurrent.futures
import datetime
import json
import math
import os
import resource
import secrets
import signal
import string
import subprocess
import sys
import time
from pathlib import Path

from bench.load import cpu
from lms.stack import ROOT, config, control, database_url, public_origin

OUT = ROOT / "var" / "load"
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
# Viewers of the probe (probe.py): a viewer's own client, beside locust's; the beats' target is on its clock.
PROBE_VIEWERS = 100
HARD_TIMEOUT_SECONDS = 120
STOP_TIMEOUT_SECONDS = 10
# The warm-up (spawning ~2,000 users at 500/s, then a beat's interval) and the closing, at most:
# locust is stopped this long after the window should have ended, if it has not stopped itself.
WARM_UP_BOUND_SECONDS = 30
TARGET_BEAT_P99_MS = 100.0
CALIBRATION_REQUESTS = 100
# locust and the probe run before the stack (when the runner may raise them: root): an audience's
# browsers are on machines of their own, and a load generator waiting for a core behind the stack it
# loads would add that wait to every time it measures. nginx's own times are reported beside them.
LOCUST_NICE = -20
GRANT_THREADS = 8


# ----------------------------------------------------------------- the stack


def _stack_env() -> dict[str, str]:
    """The environment `python -m lms.stack` runs in: the caller's, less what the stack sets itself."""
    dropped = {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {key: value for key, value in os.environ.items() if key not in dropped}


def stack_ensure() -> bool:
    """True when this run started the stack (and so stops it)."""
    if control.supervisor_pid() is not None:
        print("Using the running stack (make stack).", flush=True)
        return False
    busy = [port for port in control.stack_ports() if control.port_answers(port)]
    if busy:
        raise SystemExit(
            f"make load: ports {', '.join(map(str, busy))} are taken by a stack this checkout did not start; "
            "stop it (make stack-stop where it was started) or run make load there."
        )
    print("Starting the stack (make stack)…", flush=True)
    subprocess.run([sys.executable, "-m", "lms.stack", "start"], cwd=ROOT, env=_stack_env(), check=True)
    return True


def stack_stop() -> None:
    subprocess.run([sys.executable, "-m", "lms.stack", "stop"], cwd=ROOT, env=_stack_env(), check=False)


def django_on_stack() -> None:
    """Django in this process on the stack's settings (var/stack/env), its database reached
    directly (not through the stack's proxy), its Prometheus files left to the stack's processes."""
    pairs = (line.split("=", 1) for line in config.paths()["env"].read_text().splitlines() if "=" in line)
    env = dict(pairs)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
    os.environ.update(env)
    os.environ.update({"DATABASE_URL": database_url(), "LOG_FORMAT": "text", "LOG_LEVEL": "WARNING"})
    import django

    django.setup()


# ----------------------------------------------------------------- grants and calibration


def _session():
    import requests

    session = requests.Session()
    session.verify = str(config.paths()["cert"])
    session.trust_env = False  # the machine's REQUESTS_CA_BUNDLE would replace the stack's certificate
    return session


def _csrf_secret() -> str:
    """A CSRF cookie as Django sets it (32 letters and digits); the player sends it back in X-CSRFToken."""
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))


def grants_get(*, plan: dict) -> None:
    """Each viewer's playback grant, through nginx, as the player's renewal asks for it."""
    site, path = plan["site"], f"/api/v1/lectures/{plan['lecture_id']}/playback/"
    sessions: dict[int, object] = {}

    def grant(viewer: dict) -> None:
        import threading

        session = sessions.setdefault(threading.get_ident(), _session())
        answer = session.post(
            site + path,
            headers={"X-CSRFToken": viewer["csrf"], "Referer": site + plan["lecture_path"]},
            cookies={"sessionid": viewer["session"], "csrftoken": viewer["csrf"]},
            timeout=30,
        )
        if answer.status_code != 200:
            raise RuntimeError(
                f"the playback grant of user {viewer['user_id']}: {answer.status_code} {answer.text[:300]}"
            )
        viewer["beat_key"] = answer.json()["beat_key"]
        plan["renew_seconds"] = answer.json()["renew_seconds"]

    with concurrent.futures.ThreadPoolExecutor(GRANT_THREADS) as pool:
        list(pool.map(grant, plan["viewers"] + plan["probe_viewers"]))


def _stack_pids() -> dict[str, int]:
    """The running stack's processes: Procfile name → pid (var/stack/pids/)."""
    names = [path.stem for path in config.paths()["pids"].glob("*.pid")]
    return {name: pid for name in names if (pid := control.process_pid(name)) is not None}


def _postgres():
    import psycopg

    return psycopg.connect(database_url().replace("postgres://", "postgresql://", 1), autocommit=True)


class CpuWindow:
    """CPU of every process between `start` and `stop` (cpu.py)."""

    def __init__(self, postgres, database: str, extra: dict[str, int] | None = None):
        self.postgres, self.database, self.extra = postgres, database, extra or {}

    def start(self):
        self.pids = _stack_pids()
        self.backends = cpu.postgres_backends(self.postgres, self.database)
        self.before = cpu.snapshot(stack_pids=self.pids, postgres_pids=self.backends, extra=self.extra)
        self.began = time.monotonic()
        return self

    def stop(self) -> dict[str, float]:
        backends = sorted(set(self.backends) | set(cpu.postgres_backends(self.postgres, self.database)))
        after = cpu.snapshot(stack_pids=self.pids, postgres_pids=backends, extra=self.extra)
        self.seconds = time.monotonic() - self.began
        return cpu.used(self.before, after)


def calibrate(*, plan: dict, postgres, database: str) -> dict[str, dict[str, float]]:
    """CPU milliseconds per request of each process, for each kind of request sent alone, one after
    another (no load besides): {request: {process label: ms}}."""
    import uuid

    site, viewers = plan["site"], plan["viewers"]
    session = _session()

    def page(path):
        def send(viewer):
            answer = session.get(
                site + path,
                cookies={"sessionid": viewer["session"], "csrftoken": viewer["csrf"]},
                allow_redirects=False,
                timeout=30,
            )
            assert answer.status_code == 200, (path, answer.status_code)

        return send

    def renewal(viewer):
        answer = session.post(
            f"{site}/api/v1/lectures/{plan['lecture_id']}/playback/",
            headers={"X-CSRFToken": viewer["csrf"], "Referer": site + plan["lecture_path"]},
            cookies={"sessionid": viewer["session"], "csrftoken": viewer["csrf"]},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text[:300]

    def opening_beat(viewer):
        # A playback opened and left: the run's viewers open their own (the latest takes the lease).
        session.cookies.clear()
        answer = session.post(
            f"{site}/api/v1/lectures/{plan['lecture_id']}/progress/",
            json={"playback_id": str(uuid.uuid4()), "seq": 0, "from": 0.0, "to": 0.0, "rate": 1.0, "visible": True},
            headers={"X-Beat-Key": viewer["beat_key"]},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text[:300]

    kinds = {
        "cabinet": page(plan["cabinet_path"]),
        "lecture page": page(plan["lecture_path"]),
        "playback renewal": renewal,
        "beat (opening)": opening_beat,
    }
    costs = {}
    for name, send in kinds.items():
        for viewer in viewers[:5]:  # warm this kind's code in every worker
            send(viewer)
        window = CpuWindow(postgres, database).start()
        for number in range(CALIBRATION_REQUESTS):
            send(viewers[(number * 7) % len(viewers)])
        used = window.stop()
        costs[name] = {label: seconds * 1000 / CALIBRATION_REQUESTS for label, seconds in used.items()}
        costs[name]["wall ms"] = window.seconds * 1000 / CALIBRATION_REQUESTS
    return costs


# ----------------------------------------------------------------- the load


def _prioritise(pid: int) -> bool:
    try:
        os.setpriority(os.PRIO_PROCESS, pid, LOCUST_NICE)
        return True
    except PermissionError:
        return False


def load_run(*, plan_file: Path, result_file: Path, probe_file: Path, users: int, run_time: int):
    """locust, headless: its warm-up, a window of `run_time` seconds and its closing; killed after
    HARD_TIMEOUT_SECONDS; the probe beside it from its start to its end. (finished in time, the CPU
    seconds of both, whether they ran at LOCUST_NICE)."""
    command = [
        str(Path(sys.executable).parent / "locust"),
        "-f", str(LOCUSTFILE), "--headless", "--users", str(users), "--spawn-rate", str(min(users, 500)),
        "--run-time", f"{run_time + WARM_UP_BOUND_SECONDS}s", "--stop-timeout", str(STOP_TIMEOUT_SECONDS),
        "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0",
    ]  # fmt: skip
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "LOAD_VIEWERS_FILE": str(plan_file),
        "LOAD_RESULT_FILE": str(result_file),
        "LOAD_PROBE_FILE": str(probe_file),
    }
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(OUT / "locust.log", "w") as log, open(OUT / "probe.log", "w") as probe_log:
        probe = subprocess.Popen(
            [sys.executable, "-m", "bench.load.probe"], cwd=ROOT, env=env, stdout=probe_log, stderr=subprocess.STDOUT
        )
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        prioritised = _prioritise(probe.pid) and _prioritise(process.pid)
        try:
            process.wait(timeout=HARD_TIMEOUT_SECONDS)
            finished = process.returncode == 0
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            finished = False
        finally:
            probe.terminate()
            try:
                probe.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                probe.kill()
                probe.wait()
                finished = False
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return finished, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), prioritised


def nginx_beat_times(*, log: Path, offset: int, since: float, until: float) -> list[float]:
    """The beats' times (ms) as nginx logged them past `offset` of its access log, answered within
    [since, until] (epoch seconds; nginx logs whole seconds): from the request's first byte read to
    the answer's last byte sent (`$request_time`, docs/deploy/nginx.conf), so neither the load
    generator's clock nor its waits for a core are in them."""
    times = []
    with open(log, "rb") as lines:
        lines.seek(offset)
        for line in lines:
            fields = line.split()
            # addr - [06/Dec/2026:01:51:39 +0000] "POST /api/v1/lectures/<id>/progress/ HTTP/1.1"
            # status bytes request_time upstream_time …
            if len(fields) > 9 and fields[4] == b'"POST' and fields[5].endswith(b"/progress/"):
                logged = datetime.datetime.strptime((fields[2] + fields[3]).decode(), "[%d/%b/%Y:%H:%M:%S%z]")
                if math.floor(since) <= logged.timestamp() <= until:
                    times.append(1000 * float(fields[9]))
    return times


def beats_compare(
    *, user_ids: list[int], stored: dict[int, float], acknowledged: dict[int, float], sent_to: dict[int, float]
) -> dict:
    """Each viewer's stored watched seconds against what the endpoint acknowledged to it: `lost`,
    acknowledged but not stored; `beyond`, stored past the furthest position the viewer ever sent
    (it plays forward from 0, so more is a stretch credited twice); `unanswered`, stored beyond the
    acknowledged but within what was sent: beats the server credited whose answer the viewer never
    read (in flight when locust stopped, or timed out), which a player sends again and the server
    does not credit twice. Seconds, and how many viewers differ at all."""
    tolerance = 1e-6
    lost = beyond = unanswered = 0.0
    differing = 0
    for user_id in user_ids:
        kept, told, sent = stored.get(user_id, 0.0), acknowledged.get(user_id, 0.0), sent_to.get(user_id, 0.0)
        lost += max(0.0, told - kept)
        beyond += max(0.0, kept - sent)
        unanswered += max(0.0, min(kept, sent) - told)
        differing += abs(kept - told) > tolerance
    return {
        "lost": lost if lost > tolerance else 0.0,
        "beyond": beyond if beyond > tolerance else 0.0,
        "unanswered": unanswered if unanswered > tolerance else 0.0,
        "viewers_differing": differing,
    }


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (share 0–1); NaN without values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


# ----------------------------------------------------------------- the report


def generator_delays(result: dict) -> str:
    """The load generator's own delays, which are in every time it measures: its event loop's lag
    and the garbage collector's pauses (locustfile.py)."""
    lag = result["loop_lag_ms"]
    pauses = ", ".join(
        f"generation {generation}: {len(times):,}, max {max(times):,.1f} ms, {sum(times):,.0f} ms in all"
        for generation, times in sorted(result["gc_pauses_ms"].items())
    )
    return (
        f"The load generator's own delays, in each of its times: its event loop woke a greenlet "
        f"{percentile(lag, 0.5):,.1f} ms late at p50, {percentile(lag, 0.99):,.1f} ms at p99, "
        f"{max(lag, default=float('nan')):,.1f} ms at most ({len(lag):,} sleeps of "
        f"{result['loop_lag_tick_ms']:g} ms); its garbage collections: {pauses or 'none'}."
    )


def _table(header: list[str], rows: list[list]) -> list[str]:
    def cell(value):
        if isinstance(value, float):
            return "–" if math.isnan(value) else f"{value:,.1f}"
        return f"{value:,}" if isinstance(value, int) else str(value)

    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    return lines + ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]


def spread(times: list[float]) -> str:
    """p50, p99 and max of request times (ms), as the report prints them."""
    return (
        f"p50 {percentile(times, 0.5):,.1f} ms, p99 {percentile(times, 0.99):,.1f} ms, "
        f"max {max(times, default=float('nan')):,.1f} ms"
    )


def warm_up_summary(latencies: dict[str, list[float]]) -> str:
    """The warm-up's requests (not in the window's figures), by endpoint: count, p50, p99, max."""
    return "; ".join(f"{name} {len(times):,} ({spread(times)})" for name, times in sorted(latencies.items()))


def report(*, args, plan: dict, result: dict, run_cpu: dict[str, float], cpu_seconds: float, locust_cpu: float,
           costs: dict, check: dict, loads: dict, finished: bool) -> tuple[list[str], bool]:  # fmt: skip
    # Without a window (locust stopped before it had spawned every user), an empty one: no figures.
    window = {"window_from": 0.0, "window_until": 0.0, "started": 0.0, **result["window"]}
    # The window is complete when locust stopped after it had ended (not at its --run-time bound).
    finished = finished and window["window_until"] > 0 and window.get("stopped", 0) >= window["window_until"]
    seconds = max(1e-9, window["window_until"] - window["window_from"])
    latencies, failures = result["latencies_ms"]["window"], result["failures"]
    all_requests = sum(len(values) for phase in result["latencies_ms"].values() for values in phase.values())
    all_requests += len(result["probe"]["beats"])
    nginx_beats = result["nginx_beats_ms"]
    locust_priority = (
        f"at nice {LOCUST_NICE}, before the stack, as the probe" if loads["prioritised"] else "at the stack's priority"
    )
    order = ["beat", "playback renewal", "cabinet", "lecture page"]
    names = [name for name in order if name in latencies] + sorted(set(latencies) - set(order))
    total = sum(len(values) for values in latencies.values())
    probe = result["probe"]
    probe_beats = [ms for started, ms in probe["beats"] if window["window_from"] <= started < window["window_until"]]
    failures = {**failures, "beat (the probe)": probe["failures"]}
    errors = sum(sum(counter.values()) for counter in failures.values())
    endpoint_rows = [
        [
            name, len(latencies[name]), len(latencies[name]) / seconds, percentile(latencies[name], 0.5),
            percentile(latencies[name], 0.99), max(latencies[name], default=float("nan")),
            sum(failures.get(name, {}).values()),
        ]
        for name in names
    ]  # fmt: skip
    endpoint_rows.append(["all", total, total / seconds, float("nan"), float("nan"), float("nan"), errors])
    run_cpu = {**run_cpu, "locust and the probe (the load generators, not the stack)": locust_cpu}
    stack_cpu = sum(value for label, value in run_cpu.items() if not label.startswith("locust"))
    cpu_rows = [
        [label, value, 100 * value / cpu_seconds, 1000 * value / max(1, all_requests)]
        for label, value in [*run_cpu.items(), ("the stack, all of it", stack_cpu)]
    ]
    short = {cpu.LABELS["web"]: "gunicorn", cpu.LABELS["nginx"]: "nginx", cpu.LABELS["redis"]: "Redis"}
    short[cpu.POSTGRES] = "PostgreSQL"
    calibration_rows = []
    for name, by_label in costs.items():
        everything = sum(value for label, value in by_label.items() if label != "wall ms")
        calibration_rows.append([name, *(by_label.get(label, 0.0) for label in short), everything, by_label["wall ms"]])
    beat_p99 = percentile(probe_beats, 0.99)
    targets = {
        "the load ran its time and stopped by itself": finished,
        "0 errors": errors == 0,
        "0 beats lost or credited twice": check["drained"] and check["lost"] == 0 and check["beyond"] == 0,
        f"beat p99 ≤ {TARGET_BEAT_P99_MS:.0f} ms (a viewer's own client: the probe)": beat_p99 <= TARGET_BEAT_P99_MS,
    }
    when = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    lines = [
        f"## make load, {when}",
        "",
        f"{args.viewers:,} viewers (a beat every 10 s, a playback renewal every {plan['renew_seconds']:g} s as the "
        "grant asks, each its own participant and "
        f"lease) and {args.pages_per_second:g} pages/s (cabinet or lecture page, {args.page_users} visitors) for "
        f"{args.run_time} s, through nginx (TLS) on 127.0.0.1. Measured window {seconds:.1f} s, after a warm-up "
        "in which every viewer made its first beat (its TLS connection, its playback's opening); "
        f"{os.cpu_count()} cores; load average (1, 5, 15 min) before {loads['before']}, after {loads['after']}; "
        f"the machine's CPU idle just before: {loads['idle']}.",
        "",
        *_table(["endpoint", "requests", "per s", "p50 ms", "p99 ms", "max ms", "errors"], endpoint_rows),
        "",
        f"The same beats from a viewer's own client (the probe, bench/load/probe.py: {len(plan['probe_viewers'])} "
        "more viewers beating every 10 s from a process of their own, one request at a time, not behind "
        f"locust's event loop): {len(probe_beats):,} in the window, {spread(probe_beats)}.",
        "",
        f"The times in the table are locust's (TLS included), which ran {locust_priority}. The window's beats, "
        f"locust's and the probe's, as nginx timed them (first byte read to last byte sent): {len(nginx_beats):,}, "
        f"{spread(nginx_beats)}.",
        "",
        f"The warm-up, not in the figures above ({window['window_from'] - window['started']:.1f} s: every user "
        f"spawned, then a beat's interval): {warm_up_summary(result['latencies_ms']['warm-up'])}. Errors above "
        "are those of the whole run, warm-up and closing included.",
        "",
        generator_delays(result),
        "",
        f"CPU of each process during the whole run, warm-up and closing included ({cpu_seconds:.1f} s, "
        f"{all_requests:,} requests):",
        "",
        *_table(["process", "CPU s", "% of one core", "CPU ms per request"], cpu_rows),
        "",
        f"CPU ms of one request of each kind, sent alone ({CALIBRATION_REQUESTS} one after another, before the run):",
        "",
        *_table(["request", *short.values(), "all the stack", "wall ms"], calibration_rows),
        "",
        f"Beats: outcomes {json.dumps(result['outcomes'], sort_keys=True)}; watched seconds acknowledged "
        f"{check['acknowledged']:,.1f}, stored after the flush {check['stored']:,.1f} (flush drained: "
        f"{'yes' if check['drained'] else 'NO'}); lost {check['lost']:,.1f} s; credited twice (stored beyond what "
        f"was sent) {check['beyond']:,.1f} s; credited but unanswered (in flight at the end) "
        f"{check['unanswered']:,.1f} s; "
        f"viewers whose stored and acknowledged figures differ: {check['viewers_differing']}.",
    ]
    for name, counter in failures.items():
        for reason, count in sorted(counter.items(), key=lambda item: -item[1])[:5]:
            lines.append(f"- error, {name}: {count} × {reason}")
    lines += ["", "Targets: " + "; ".join(f"{name}: {'met' if ok else 'MISSED'}" for name, ok in targets.items())]
    return lines, all(targets.values())


# ----------------------------------------------------------------- the run


def run(args) -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    django_on_stack()
    from bench.load import seed

    print(f"Seeding {args.viewers:,} viewers and the load lecture…", flush=True)
    lecture = seed.lecture_ensure()
    user_ids = seed.viewers_ensure(count=args.viewers + PROBE_VIEWERS)
    if not seed.flush_drained():
        raise SystemExit("make load: the beat stream does not drain (is the default worker running?)")
    seed.progress_reset(lecture_id=lecture.pk, user_ids=user_ids)
    sessions = seed.sessions_make(user_ids=user_ids)
    site = public_origin()
    viewers = [
        {"user_id": user_id, "session": session, "csrf": _csrf_secret()} for user_id, session in zip(user_ids, sessions)
    ]
    plan = {
        "site": site,
        "certificate": str(config.paths()["cert"]),
        "lecture_id": lecture.pk,
        "lecture_path": lecture.url,
        "lecture_url": site + lecture.url,
        "cabinet_path": "/cabinet/",
        "cabinet_marker": seed.LOAD_COURSE_TITLE,
        "duration": seed.LOAD_LECTURE_SECONDS,
        "pages_per_second": args.pages_per_second,
        "run_time": args.run_time,
        "page_users": args.page_users,
        "viewers": viewers[: args.viewers],
        "probe_viewers": viewers[args.viewers :],
    }
    print("Asking for each viewer's playback grant…", flush=True)
    started = time.monotonic()
    grants_get(plan=plan)
    print(f"  {len(viewers):,} grants in {time.monotonic() - started:.1f} s", flush=True)
    plan_file, result_file, probe_file = OUT / "plan.json", OUT / "result.json", OUT / "probe.json"
    plan_file.write_text(json.dumps(plan))
    plan_file.chmod(0o600)  # sessions
    result_file.unlink(missing_ok=True)
    probe_file.unlink(missing_ok=True)

    database = database_url().rsplit("/", 1)[1]
    with _postgres() as postgres:
        print("Calibrating: each kind of request alone…", flush=True)
        costs = calibrate(plan=plan, postgres=postgres, database=database)
        print("Waiting for the machine to settle…", flush=True)
        idle_before = cpu.machine_quiet_wait()
        loads = {"before": " ".join(f"{x:.2f}" for x in os.getloadavg()), "idle": f"{idle_before:.0%}"}
        print(f"Load: locust and the probe, a {args.run_time} s window (load average {loads['before']})…", flush=True)
        access_log = config.paths()["nginx"] / "lms.access.log"
        access_log_offset = access_log.stat().st_size
        window = CpuWindow(postgres, database).start()
        finished, locust_cpu, loads["prioritised"] = load_run(
            plan_file=plan_file,
            result_file=result_file,
            probe_file=probe_file,
            users=args.viewers + args.page_users,
            run_time=args.run_time,
        )
        run_cpu = window.stop()
        loads["after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    for name, written in (("locust", result_file), ("probe", probe_file)):
        if not written.exists():
            print((OUT / f"{name}.log").read_text()[-3000:])
            raise SystemExit(f"make load: the {name} wrote no result (its log is above: var/load/{name}.log)")
    result = json.loads(result_file.read_text())
    result["probe"] = json.loads(probe_file.read_text())
    result["nginx_beats_ms"] = nginx_beat_times(
        log=access_log,
        offset=access_log_offset,
        since=result["window"].get("window_from", 0),
        until=result["window"].get("window_until", 0),
    )

    drained = seed.flush_drained()
    stored = seed.progress_stored(lecture_id=lecture.pk, user_ids=user_ids)
    acknowledged = {
        int(user_id): watched
        for user_id, watched in {**result["acknowledged"], **result["probe"]["acknowledged"]}.items()
    }
    sent_to = {
        int(user_id): position for user_id, position in {**result["sent_to"], **result["probe"]["sent_to"]}.items()
    }
    check = {"drained": drained, "acknowledged": sum(acknowledged.values()), "stored": sum(stored.values())}
    check |= beats_compare(user_ids=user_ids, stored=stored, acknowledged=acknowledged, sent_to=sent_to)
    lines, ok = report(
        args=args, plan=plan, result=result, run_cpu=run_cpu, cpu_seconds=window.seconds, locust_cpu=locust_cpu,
        costs=costs, check=check, loads=loads, finished=finished,
    )  # fmt: skip
    text = "\n".join(lines) + "\n"
    (OUT / "last.md").write_text(text)
    print("\n" + text + f"\n(written to {OUT / 'last.md'})")
    return 0 if ok else 1


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--viewers", type=int, default=2000)
    parser.add_argument("--pages-per-second", type=float, default=20.0)
    parser.add_argument("--page-users", type=int, default=40, help="simulated visitors sharing the page rate")
    parser.add_argument(
        "--run-time", type=int, default=60, help="seconds of the measured window (at most 80: the hard bound is 120)"
    )
    parser.add_argument("--keep-stack", action="store_true", help="leave a stack this run started running")
    args = parser.parse_args(argv)
    if not 0 < args.run_time <= HARD_TIMEOUT_SECONDS - STOP_TIMEOUT_SECONDS - WARM_UP_BOUND_SECONDS:
        parser.error("--run-time must be between 1 and 80 seconds")
    if args.viewers < 1 or args.pages_per_second < 0 or args.page_users < 1:
        parser.error("--viewers and --page-users must be at least 1, --pages-per-second at least 0")
    if not args.pages_per_second:
        args.page_users = 0  # beats alone
    started_stack = stack_ensure()
    try:
        return run(args)
    finally:
        if started_stack and not args.keep_stack:
            stack_stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
