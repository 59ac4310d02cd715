"""Choose the services the test suite runs against and print them as shell assignments.

PostgreSQL and Redis are used when they answer on 127.0.0.1. Locally the suite falls back to
SQLite (and skips the tests that need Redis), saying so loudly; with CI=true, or --require,
a missing service is an error."""

import os
import socket
import sys
from urllib.parse import urlparse

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/lms"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/1"


def _answers(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1):
            return True
    except OSError:
        return False


def main(argv: list[str]) -> int:
    required = "--require" in argv or os.environ.get("CI", "").lower() == "true"
    database_url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("REDIS_URL", DEFAULT_REDIS_URL)
    env = {"DJANGO_SETTINGS_MODULE": "lms.settings.test"}
    missing = []
    if _answers(database_url, 5432):
        env["DATABASE_URL"] = database_url
    else:
        missing.append(f"PostgreSQL ({database_url})")
        env["DATABASE_URL"] = "sqlite:///var/test.sqlite3"
    if _answers(redis_url, 6379):
        env["REDIS_URL"] = redis_url
    else:
        missing.append(f"Redis ({redis_url})")
        env["REDIS_URL"] = ""
    if missing:
        if required:
            print(f"ERROR: the test suite requires {', '.join(missing)}, and it does not answer.", file=sys.stderr)
            return 1
        banner = "!" * 78
        print(
            f"{banner}\n!! {', '.join(missing)} not reachable: FALLING BACK "
            f"(SQLite / no Redis). Tests that need them are SKIPPED.\n{banner}",
            file=sys.stderr,
        )
    for key, value in env.items():
        print(f"{key}='{value}'")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
