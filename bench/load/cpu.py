"""CPU seconds used by each of the stack's processes, read from /proc/<pid>/stat (utime + stime)
before and after the load, as bench/bench_beats.py `_server_cpu` does: the cost of a request per
process, whatever else runs on the machine.

A process is its Procfile line's pid (var/stack/pids/) and every descendant (gunicorn's workers,
nginx's, a Celery worker's pool); PostgreSQL's are the server backends connected to the stack's
database (pg_stat_activity). A process born during the run counts whole; one that ended during it
is missed (none should: the stack keeps its workers and connections)."""

import os
import time
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")

# The Procfile lines' labels (lms/stack/config.py); a line not named here is shown by its name.
LABELS = {
    "web": "gunicorn (master + workers)",
    "beats": "gunicorn's beat pool (master + workers)",
    "nginx": "nginx (master + workers)",
    "redis": "Redis",
    "worker_default": "Celery worker, default queue (the flush)",
    "worker_transcode": "Celery worker, transcode queue",
    "beat": "Celery beat",
    "db_proxy": "the stack's database proxy",
    "s3": "moto's S3",
    "smtp": "the SMTP sink",
}
POSTGRES = "PostgreSQL backends (lms_stack)"


def _base(name: str) -> str:
    """A node's Procfile name without its number (`web2` → `web`, `worker_default3` → `worker_default`);
    other names as they are (`s3`)."""
    stripped = name.rstrip("0123456789")
    return stripped if stripped in ("web", "beats", "worker_default") else name


def label_of(name: str) -> str:
    """The label of a Procfile line; a second node's (`web2`) says which node it is."""
    label = LABELS.get(_base(name), name)
    return label if name == _base(name) else f"{label}, node {name[len(_base(name)) :]}"


def process_cpu(pid: int) -> float | None:
    """utime + stime of one process in seconds; None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICK


def _parents() -> dict[int, int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    return parents


def process_tree(root: int, parents: dict[int, int] | None = None) -> list[int]:
    parents = _parents() if parents is None else parents
    tree, frontier = [root], [root]
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier]
        tree += children
        frontier = children
    return tree


def postgres_backends(connection, database: str) -> list[int]:
    """The server processes of the stack's database, other than `connection`'s own."""
    rows = connection.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (database,)
    ).fetchall()
    return [row[0] for row in rows]


def snapshot(*, stack_pids: dict[str, int], postgres_pids: list[int], extra: dict[str, int] | None = None) -> dict:
    """{label: {pid: CPU seconds}} of the stack's processes (Procfile name → pid), the database's
    backends and `extra` (label → pid, e.g. the load generator)."""
    parents = _parents()
    taken: dict[str, dict[int, float]] = {}
    order = list(LABELS)
    for name in sorted(stack_pids, key=lambda name: (order.index(_base(name)) if _base(name) in order else 99, name)):
        pids = process_tree(stack_pids[name], parents)
        taken[label_of(name)] = {pid: cpu for pid in pids if (cpu := process_cpu(pid)) is not None}
    taken[POSTGRES] = {pid: cpu for pid in postgres_pids if (cpu := process_cpu(pid)) is not None}
    for label, pid in (extra or {}).items():
        taken[label] = {p: cpu for p in process_tree(pid, parents) if (cpu := process_cpu(p)) is not None}
    return taken


def used(before: dict, after: dict) -> dict[str, float]:
    """CPU seconds each label used between two snapshots (a pid new in `after` counts whole)."""
    return {
        label: sum(cpu - before.get(label, {}).get(pid, 0.0) for pid, cpu in pids.items())
        for label, pids in after.items()
    }


def machine_idle_share(seconds: float = 3.0) -> float:
    """The share of the machine's CPU time left idle over the next `seconds` (/proc/stat)."""

    def totals() -> tuple[int, int]:
        with open("/proc/stat") as stat:
            fields = [int(value) for value in stat.readline().split()[1:]]
        return fields[3] + fields[4], sum(fields)  # idle + iowait, all

    idle_before, all_before = totals()
    time.sleep(seconds)
    idle_after, all_after = totals()
    return (idle_after - idle_before) / max(all_after - all_before, 1)


def machine_quiet_wait(*, idle_share: float = 0.85, at_most_seconds: float = 90.0) -> float:
    """Wait (at most that long) until the machine is mostly idle, and say how idle it was. Starting
    the stack and seeding keep both cores busy for a while; a run started at once would measure
    their tail, not the load."""
    deadline = time.monotonic() + at_most_seconds
    while True:
        share = machine_idle_share()
        if share >= idle_share or time.monotonic() >= deadline:
            return share
