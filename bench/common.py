"""Set-up shared by the benchmarks: a PostgreSQL database of their own, migrated."""

import os
import subprocess
import sys
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
