"""Set-up shared by the benchmarks: a PostgreSQL database of their own, migrated."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def django_setup(*, database: str = "lms_bench") -> dict[str, str]:
    """Point Django at a dedicated bench database (created and migrated if needed) and return the
    environment a subprocess (gunicorn, a worker) needs to see the same database."""
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lms").rsplit("/", 1)[0]
    # A Redis database of the bench's own: a test run clears the test suite's one at every test.
    redis_base = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/1").rsplit("/", 1)[0]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms.settings.test",
        "DATABASE_URL": f"{base}/{database}",
        "REDIS_URL": f"{redis_base}/{os.environ.get('BENCH_REDIS_DB', '7')}",
    }
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", database], capture_output=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    os.environ.update({key: env[key] for key in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL")})
    import django

    django.setup()
    return env


def participants_bulk_enrol(*, season_id: int, users, batch_size: int = 2000) -> list:
    """Enrol many bench users at once (application, participant, placement record), skipping the
    per-person service: the benchmarks measure other paths, not enrolment."""
    from django.utils import timezone

    from lms.models import Application, LevelChange, Participant

    now = timezone.now()
    applications = Application.objects.bulk_create(
        [
            Application(
                season_id=season_id,
                user=user,
                last_name="Bench",
                first_name=user.username,
                email=user.email,
                date_of_birth="2000-01-01",
                region_code="77",
                federal_district="central",
                timezone="Europe/Moscow",
                education_level="bachelor",
                institution="Bench",
                internship_preference="roiv",
                internship_reason="Bench",
                personal_data_consent=True,
                citizenship="ru",
                # Enrolled, so counted: its address taken as confirmed.
                email_verified_at=now,
            )
            for user in users
        ],
        batch_size=batch_size,
    )
    participants = Participant.objects.bulk_create(
        [
            Participant(
                season_id=season_id,
                user=application.user,
                application=application,
                level="beginner",
                track="introductory",
                placement_rule="bench",
                region_code="77",
                federal_district="central",
                timezone="Europe/Moscow",
            )
            for application in applications
        ],
        batch_size=batch_size,
    )
    LevelChange.objects.bulk_create(
        [LevelChange(participant=p, to_level=p.level, to_track=p.track, rule="bench") for p in participants],
        batch_size=batch_size,
    )
    return participants


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_up(port: int, timeout: float = 30) -> None:
    """Wait until the server started on `port` accepts connections."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


# Both HTTP benches run the site the same way: a few gthread workers, as production would on two
# cores, so their figures compare.
GUNICORN_WORKERS = 3
GUNICORN_THREADS = 2


def gunicorn_start(*, app: str, port: int, env: dict[str, str]) -> subprocess.Popen:
    """gunicorn serving `app` (a WSGI path) on 127.0.0.1:`port`, in a process group of its own so
    the bench can stop it and its workers at once."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            app,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(GUNICORN_WORKERS),
            "--worker-class",
            "gthread",
            "--threads",
            str(GUNICORN_THREADS),
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**env, "LOG_LEVEL": "WARNING"},
        start_new_session=True,
    )


async def http_exchange(reader, writer, request: bytes) -> tuple[int, bytes, bool]:
    """Send one raw HTTP/1.1 request on a kept-alive connection and read the answer: its status,
    its body and whether the server closes the connection (the load generators' one round trip,
    without an HTTP client's own cost in the figures)."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length, close = 0, False
    for line in head.split(b"\r\n"):
        lower = line.lower()
        if lower.startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
        elif lower.startswith(b"connection:") and b"close" in lower:
            close = True
    return status, await reader.readexactly(length), close
