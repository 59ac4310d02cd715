"""Start, watch and stop the stack's processes.

honcho supervises the Procfile (lms.stack.config.procfile) and, when asked to stop (SIGTERM), stops
every process together, killing what does not stop within seconds. Each Procfile line runs through
`run_kept`, which restarts its process when it dies without being asked to — a killed worker, a
crashed Redis come back as under systemd's Restart=always — and records the process group it owns.
`stop` ends honcho, then whatever is left in those groups: exactly what `start` started."""

import contextlib
import mailbox
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from lms.stack import BUCKET, HOST, PORTS, ROOT, config, database_url, public_origin

# A process that dies this many times within the window is broken, not unlucky: give up, and
# honcho stops the stack, which says so in its log.
CRASH_LIMIT = 5
CRASH_WINDOW_SECONDS = 60
START_TIMEOUT_SECONDS = 120


class StackError(Exception):
    """The stack cannot start (what to do is in the message)."""


# ---------------------------------------------------------------- one supervised process


def run_kept(name: str, command: list[str]) -> int:
    """Run `command` in the foreground, again after it dies unless this process was told to stop.
    Its pid is in var/stack/pids/<name>.pid (the current one), this process's group in
    <name>.group. SIGTERM reaches the command from honcho directly (one process group)."""
    pids = config.paths()["pids"]
    pids.mkdir(parents=True, exist_ok=True)
    (pids / f"{name}.group").write_text(str(os.getpgrp()))
    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    deaths: list[float] = []
    while True:
        child = subprocess.Popen(command, cwd=ROOT)
        (pids / f"{name}.pid").write_text(str(child.pid))
        code = child.wait()
        if stopping:
            return code
        _group_leftovers_kill()
        now = time.monotonic()
        deaths = [moment for moment in deaths if now - moment < CRASH_WINDOW_SECONDS] + [now]
        if len(deaths) >= CRASH_LIMIT:
            print(f"{name} died {len(deaths)} times in {CRASH_WINDOW_SECONDS} s; giving up", file=sys.stderr)
            return code or 1
        print(f"{name} exited ({code}); starting it again", file=sys.stderr, flush=True)
        time.sleep(1)


def _group_leftovers_kill() -> None:
    """Kill what the dead process left behind in this process group (a Celery worker's pool
    processes and the ffmpeg they ran, gunicorn's workers), as systemd's KillMode=control-group does
    before a restart: two generations of one process never run side by side, and a job the dead one
    held is left to the claim's recovery, not finished by an orphan."""
    group, me = os.getpgrp(), os.getpid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if os.getpgid(int(entry.name)) == group:
                os.kill(int(entry.name), signal.SIGKILL)


def process_pid(name: str) -> int | None:
    """The current pid of one of the stack's processes (a Procfile name), None when it is not running."""
    try:
        pid = int((config.paths()["pids"] / f"{name}.pid").read_text())
    except (OSError, ValueError):
        return None
    return pid if process_alive(pid) else None


def database_outage(seconds: float, *, out=sys.stdout) -> None:
    """Cut the stack's path to PostgreSQL for `seconds`, then open it again (lms/stack/dbproxy.py)."""
    pid = process_pid("db_proxy")
    if pid is None:
        raise StackError("The stack's database proxy is not running (make stack starts it).")
    os.kill(pid, signal.SIGUSR1)
    out.write(f"The database is unreachable for {seconds:g} s…\n")
    try:
        time.sleep(seconds)
    finally:
        database_path_open(pid)
    out.write("The database is reachable again.\n")


def database_path_open(pid: int, *, timeout: float = 5.0) -> None:
    """Open the proxy's path again and return once it listens: the proxy handles the signal in its
    own time, and a request sent in between would be refused as if the database were still away."""
    os.kill(pid, signal.SIGUSR2)
    deadline = time.monotonic() + timeout
    while not port_answers(PORTS.db_proxy):
        if time.monotonic() > deadline:
            raise StackError(f"The database proxy did not listen again within {timeout:g} s.")
        time.sleep(0.05)


# ---------------------------------------------------------------- start


def start(*, seed: bool = True, out=sys.stdout) -> None:
    p = config.paths()
    if supervisor_pid() is not None:
        raise StackError("The stack is already running (make stack-stop stops it).")
    _tools_check()
    try:
        nodes = config.nodes_wanted()
    except ValueError as error:
        raise StackError(str(error)) from None
    busy = [port for port in stack_ports(nodes) if port_answers(port)]
    if busy:
        raise StackError(f"Ports {', '.join(map(str, busy))} are taken: is another stack running? (make stack-stop)")
    # Every start is a fresh stack: moto keeps the objects in memory, so the database, Redis's beats
    # and the mail are made anew with them (and the last run's counters would be added to this
    # run's in multiprocess mode). The secret key and the certificate are kept.
    for name in ("pids", "mail", "redis", "media", "prometheus"):
        shutil.rmtree(p[name], ignore_errors=True)
    for name in ("var", "pids", "redis", "static", "media", "prometheus"):
        p[name].mkdir(parents=True, exist_ok=True)
    # The SMTP sink delivers into a Maildir (mail/new/ for each message); only a missing folder is
    # made into one.
    mailbox.Maildir(p["mail"], create=True)
    env = {**os.environ, **config.env_write()}
    # The set-up and the seed reach the database directly: the proxy starts with the processes.
    setup_env = {**env, "DATABASE_URL": database_url()}
    config.cert_ensure()
    config.nginx_write()
    config.procfile_write()
    _database_ensure()
    out.write("Migrating the stack's database and collecting static files…\n")
    _manage(setup_env, "migrate", "--noinput")
    _manage(setup_env, "collectstatic", "--noinput")
    with open(p["log"], "wb") as log:
        supervisor = subprocess.Popen(
            [str(Path(sys.executable).parent / "honcho"), "start", "--no-colour"]
            + ["-f", str(p["procfile"]), "-e", str(p["env"]), "-d", str(ROOT)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    p["supervisor_pid"].write_text(str(supervisor.pid))
    try:
        _wait(lambda: all(port_answers(port) for port in stack_ports()), what="every process listening")
        _bucket_ensure()
        if seed:
            out.write("Seeding the demo data (as make demo does)…\n")
            _manage(setup_env, "seed_demo")
        _wait(_healthy, what="/health/ green")
    except (StackError, subprocess.CalledProcessError):
        out.write(f"The stack did not come up; its log is {p['log']}. Stopping it.\n")
        stop(out=out)
        raise
    out.write(
        f"The stack runs (production settings, log: {p['log']}):\n"
        f"  {public_origin()}/         the site through nginx (self-signed certificate)\n"
        f"  http://{HOST}:{PORTS.http}/          redirects to it\n"
        f"  {public_origin()}/cms/     Wagtail; the logins of make demo (password demo12345)\n"
        f"  {public_origin()}/health/  health; Prometheus: http://{HOST}:{PORTS.web}/metrics (this machine)\n"
        f"  mail sent lands in {p['mail'] / 'new'}; stop with: make stack-stop\n"
    )


def _tools_check() -> None:
    missing = [
        tool
        for tool in ("openssl", "redis-server", "ffmpeg")
        if subprocess.run(["sh", "-c", f"command -v {tool}"], capture_output=True).returncode
    ]
    if not Path(config.nginx_binary()).exists():
        missing.append("nginx")
    if missing:
        raise StackError(f"Install these Debian packages first (make system-deps): {' '.join(missing)}")


def stack_ports(nodes: int | None = None) -> list[int]:
    """The ports of the stack (of `nodes` web nodes; default: as started)."""
    return [
        *(PORTS.https, PORTS.http, *config.web_ports(nodes), *config.beat_ports(nodes)),
        *(PORTS.smtp, PORTS.redis, PORTS.s3, PORTS.s3_tls, PORTS.db_proxy),
    ]


def port_answers(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


def _wait(predicate, *, what: str, timeout: float = START_TIMEOUT_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if supervisor_pid() is None:
            raise StackError(f"The stack stopped while waiting for {what}.")
        if predicate():
            return
        time.sleep(0.5)
    raise StackError(f"Timed out after {timeout:.0f} s waiting for {what}.")


def _manage(env: dict, *args: str) -> None:
    """A management command in the stack's environment, its log as text for the terminal."""
    quiet = {**env, "LOG_FORMAT": "text", "LOG_LEVEL": "WARNING"}
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=quiet, check=True)


def _database_ensure() -> None:
    """The stack's own database on the machine's PostgreSQL, made anew."""
    with database_admin() as (admin, name):
        admin.execute(sql_identifier("DROP DATABASE IF EXISTS {} WITH (FORCE)", name))
        admin.execute(sql_identifier("CREATE DATABASE {}", name))


@contextlib.contextmanager
def database_admin():
    """(an autocommit connection to the server's `postgres` database, the stack's database name),
    reached directly, not through the stack's proxy."""
    from urllib.parse import urlparse

    import psycopg

    url = urlparse(database_url())
    try:
        connection = psycopg.connect(
            host=url.hostname, port=url.port or 5432, user=url.username, password=url.password, dbname="postgres"
        )
    except psycopg.OperationalError as error:
        raise StackError(f"PostgreSQL does not answer at {url.hostname}:{url.port or 5432}: {error}") from error
    with connection:
        connection.autocommit = True
        yield connection, url.path.lstrip("/")


def sql_identifier(statement: str, *names: str):
    from psycopg import sql

    return sql.SQL(statement).format(*(sql.Identifier(name) for name in names))


def s3_client():
    """boto3's client for the stack's object storage (moto behind nginx's TLS)."""
    import boto3

    env = config.environment()
    return boto3.client(
        "s3",
        endpoint_url=env["AWS_S3_ENDPOINT_URL"],
        region_name=env["AWS_S3_REGION_NAME"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        verify=env["AWS_S3_VERIFY"],
    )


def _bucket_ensure() -> None:
    client = s3_client()
    if BUCKET not in {bucket["Name"] for bucket in client.list_buckets().get("Buckets", [])}:
        client.create_bucket(Bucket=BUCKET)


def tls_context() -> ssl.SSLContext:
    """A client context that trusts the stack's self-signed certificate."""
    return ssl.create_default_context(cafile=str(config.paths()["cert"]))


def _healthy() -> bool:
    try:
        with urllib.request.urlopen(f"{public_origin()}/health/?format=json", timeout=10, context=tls_context()):
            return True
    except (urllib.error.URLError, OSError):
        return False


# ---------------------------------------------------------------- stop and status


def supervisor_pid() -> int | None:
    path = config.paths()["supervisor_pid"]
    try:
        pid = int(path.read_text())
    except (OSError, ValueError):
        return None
    return pid if process_alive(pid) else None


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie has exited; only its parent's wait is missing.
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def stack_processes() -> dict[int, int]:
    """{pid: process group} of every live process in the groups the stack's processes run in. A
    group counts only while one of its processes is still the stack's (its command line or
    environment names var/stack), so a stale file can never point at someone else's processes."""
    p = config.paths()
    groups = set()
    for path in p["pids"].glob("*.group") if p["pids"].exists() else []:
        try:
            groups.add(int(path.read_text()))
        except ValueError:
            continue
    members: dict[int, int] = {}
    ours: set[int] = set()
    marker = str(p["var"]).encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            group = os.getpgid(int(entry.name))
        except OSError:
            continue
        if group not in groups or not process_alive(int(entry.name)):
            continue
        members[int(entry.name)] = group
        try:
            if marker in (entry / "cmdline").read_bytes() or marker in (entry / "environ").read_bytes():
                ours.add(group)
        except OSError:
            continue
    return {pid: group for pid, group in members.items() if group in ours}


def stop(*, out=sys.stdout, timeout: float = 20) -> bool:
    """Stop honcho (which stops its processes), then anything left of the stack's process groups.
    True when something was running."""
    p = config.paths()
    supervisor = supervisor_pid()
    left = stack_processes()
    if supervisor is None and not left:
        out.write("The stack is not running.\n")
        return False
    if supervisor is not None:
        os.kill(supervisor, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and (supervisor_pid() is not None or stack_processes()):
        time.sleep(0.2)
    for group in set(stack_processes().values()):
        out.write(f"Killing what is left of process group {group}.\n")
        _killpg(group)
    if supervisor_pid() is not None:
        os.kill(supervisor, signal.SIGKILL)
    for stale in p["pids"].glob("*") if p["pids"].exists() else []:
        stale.unlink()
    p["supervisor_pid"].unlink(missing_ok=True)
    out.write("The stack is stopped.\n")
    return True


def _killpg(group: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)


def status(*, out=sys.stdout) -> bool:
    p = config.paths()
    supervisor = supervisor_pid()
    out.write(f"honcho: {supervisor or 'not running'}\n")
    for path in sorted(p["pids"].glob("*.pid")) if p["pids"].exists() else []:
        pid = int(path.read_text())
        out.write(f"{path.stem}: {pid} {'running' if process_alive(pid) else 'gone'}\n")
    return supervisor is not None
