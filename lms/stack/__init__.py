"""`make stack`: the service as production runs it, on this machine (docs/deploy/README.md).

    python -m lms.stack start     # prepare (database, static files, certificate, configs), start, seed, wait
    python -m lms.stack stop      # stop exactly the processes `start` started
    python -m lms.stack status    # the supervised processes and their pids
    python -m lms.stack nginx     # render docs/deploy/nginx.conf for the stack (to stdout)
    python -m lms.stack cert      # make the self-signed certificate (once)
    python -m lms.stack backup    # the database (pg_dump) and the bucket's objects into var/backups/<time>/
    python -m lms.stack restore [PATH]   # load a backup (default: the latest) into the running stack
    python -m lms.stack db-outage SECONDS   # cut the stack's path to PostgreSQL for a while (a fault drill)
    python -m lms.stack run NAME -- COMMAND…   # (the Procfile's lines) run, restart if it dies
    python -m lms.stack db-proxy  # (the Procfile's db_proxy line) the TCP path to PostgreSQL

Everything the stack writes is under var/stack/: the environment of every process (`env`, with a
random SECRET_KEY made once), the Procfile honcho supervises, the logs (`stack.log`, nginx's in
`nginx/`), the pids (`pids/`), Redis's append-only file (`redis/`), the mail the SMTP sink took
(`mail/new/`), static files, Prometheus's multiprocess files. The machine's PostgreSQL holds the
stack's own database, reached through a proxy of the stack's (`db_proxy`, which a fault drill can
cut); nothing else of the machine is touched, and the ports are the stack's own, so `make demo`
(8000) and the test suite's Redis (6379) run beside it. Backups go to var/backups/.

This module knows the layout; `config` writes the files, `control` runs the processes."""

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Ports:
    https: int = 8443
    http: int = 8080
    web: int = 8101
    # Each node's beat pool (docs/deploy/nginx.conf, `lms_beats`): 8111, 8112, …
    beats: int = 8111
    smtp: int = 8025
    redis: int = 6390
    s3: int = 9000
    # moto's S3 behind nginx's TLS, as a real object storage is reached: presigned URLs handed to a
    # browser on an https page must be https too.
    s3_tls: int = 9443
    # The processes reach PostgreSQL through the stack's proxy (lms/stack/dbproxy.py), as production
    # reaches its database server over the network: the path a fault drill cuts.
    db_proxy: int = 6433


PORTS = Ports()
HOST = "127.0.0.1"
BUCKET = "lms-media"


def var_dir() -> Path:
    """var/stack of this checkout (STACK_DIR overrides it, e.g. for a second stack's files)."""
    return Path(os.environ.get("STACK_DIR", ROOT / "var" / "stack")).resolve()


def database_url() -> str:
    """The stack's database on the machine's server, reached directly (the set-up, backups)."""
    return os.environ.get("STACK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lms_stack")


def database_url_proxied() -> str:
    """The same database through the stack's proxy: what the stack's processes use."""
    url = urlsplit(database_url())
    credentials = url.netloc.rsplit("@", 1)[0] + "@" if "@" in url.netloc else ""
    return urlunsplit(url._replace(netloc=f"{credentials}{HOST}:{PORTS.db_proxy}"))


def backups_dir() -> Path:
    """var/backups of this checkout (STACK_BACKUP_DIR overrides it)."""
    return Path(os.environ.get("STACK_BACKUP_DIR", ROOT / "var" / "backups")).resolve()


def public_origin() -> str:
    return f"https://{HOST}:{PORTS.https}"


def s3_origin() -> str:
    return f"https://{HOST}:{PORTS.s3_tls}"
