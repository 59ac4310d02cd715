"""`make backup` and `make restore`: the stack's state — its database and its storage's bucket —
copied into var/backups/<time>/ and loaded back into a running stack (docs/deploy/README.md).

A backup folder holds `database.dump` (pg_dump's custom format), `bucket/` (every object under
its key) and `manifest.json` (written last: a folder without it is an interrupted backup, which a
restore refuses). Both commands need the stack running: moto keeps the bucket in memory only, and
every `make stack` makes its database anew, so a restore loads into the running stack — the
objects first, then the database loaded beside the live one and swapped in, then the objects the
backup does not hold removed and the application's state in Redis emptied."""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

from lms.stack import BUCKET, HOST, PORTS, backups_dir, control, database_url

MANIFEST = "manifest.json"
DUMP = "database.dump"
OBJECTS = "bucket"
# What the application keeps in Redis (Django's cache, whose keys start ":<version>:", and the
# apps' own keys): it belongs to the database a restore replaces. The broker's queues stay.
APP_REDIS_PATTERNS = (":1:*", "courses:*", "live:*")


def backup(*, out=sys.stdout) -> Path:
    """Copy the running stack's database and bucket into a new folder of var/backups/; its path."""
    _running_required()
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    folder, suffix = backups_dir() / stamp, 1
    while folder.exists():  # two backups within a second
        suffix += 1
        folder = backups_dir() / f"{stamp}-{suffix}"
    folder.mkdir(parents=True)
    out.write(f"Backing up the database into {folder / DUMP}…\n")
    _run([_binary("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(folder / DUMP)])
    client = control.s3_client()
    objects: dict[str, int] = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for item in page.get("Contents", []):
            target = _object_path(folder, item["Key"])
            target.parent.mkdir(parents=True, exist_ok=True)
            client.download_file(BUCKET, item["Key"], str(target))
            objects[item["Key"]] = item["Size"]
    manifest = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "database": urlparse(database_url()).path.lstrip("/"),
        "bucket": BUCKET,
        "objects": objects,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    out.write(f"Backed up: the database and {len(objects)} objects of the bucket {BUCKET} in {folder}\n")
    return folder


def latest() -> Path:
    """The newest complete backup in var/backups/."""
    complete = sorted(path.parent for path in backups_dir().glob(f"*/{MANIFEST}"))
    if not complete:
        raise control.StackError(f"There is no complete backup in {backups_dir()} (make backup makes one).")
    return complete[-1]


def restore(*, folder: Path | None = None, out=sys.stdout) -> Path:
    """Load a backup (the latest when none is named) into the running stack; the folder used."""
    _running_required()
    folder = (folder or latest()).resolve()
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        raise control.StackError(f"{folder} is not a complete backup (no readable {MANIFEST}): {error}") from error
    client = control.s3_client()
    # The objects first: the restored database must never name an object the bucket lacks.
    for key in manifest["objects"]:
        client.upload_file(str(_object_path(folder, key)), BUCKET, key)
    out.write(f"Uploaded {len(manifest['objects'])} objects into the bucket {BUCKET}; loading the database…\n")
    _database_swap(folder / DUMP)
    extra = [
        {"Key": item["Key"]}
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
        for item in page.get("Contents", [])
        if item["Key"] not in manifest["objects"]
    ]
    for start in range(0, len(extra), 1000):
        client.delete_objects(Bucket=BUCKET, Delete={"Objects": extra[start : start + 1000], "Quiet": True})
    emptied = _redis_app_state_empty()
    out.write(
        f"Restored {folder.name}: the database, the bucket ({len(extra)} objects the backup did not hold removed), "
        f"{emptied} keys of the application's state in Redis emptied.\n"
    )
    return folder


def _running_required() -> None:
    if control.supervisor_pid() is None:
        raise control.StackError(
            "The stack is not running: moto keeps the bucket in memory only, so a backup is taken from, and "
            "restored into, a running stack (make stack)."
        )


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise control.StackError(f"{name} is missing: install Debian's postgresql-client.")
    return found


def _run(command: list[str]) -> None:
    """A PostgreSQL client program against the stack's database server, reached directly; the
    connection comes in libpq's environment variables, never on the command line."""
    url = urlparse(database_url())
    env = {
        "PGHOST": url.hostname or HOST,
        "PGPORT": str(url.port or 5432),
        "PGUSER": url.username or "",
        "PGPASSWORD": url.password or "",
        "PGDATABASE": url.path.lstrip("/"),
    }
    # The caller's own PG* variables (another server, another database) must not leak in.
    base = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    env = {**base, **{key: value for key, value in env.items() if value}}
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise control.StackError(f"{Path(command[0]).name} failed: {result.stderr.strip()[-2000:]}")


def _database_swap(dump: Path) -> None:
    """Load the dump into a database beside the stack's, then put it in the stack's one's place.
    The processes see the database go for an instant (pages answer 503) and reconnect to the
    restored one (CONN_HEALTH_CHECKS)."""
    with control.database_admin() as (admin, name):
        staging = f"{name}_restoring"
        admin.execute(control.sql_identifier("DROP DATABASE IF EXISTS {} WITH (FORCE)", staging))
        admin.execute(control.sql_identifier("CREATE DATABASE {}", staging))
        _run([_binary("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "-d", staging, str(dump)])
        admin.execute(control.sql_identifier("DROP DATABASE {} WITH (FORCE)", name))
        admin.execute(control.sql_identifier("ALTER DATABASE {} RENAME TO {}", staging, name))


def _redis_app_state_empty() -> int:
    import redis

    client = redis.Redis(host=HOST, port=PORTS.redis)
    emptied = 0
    for pattern in APP_REDIS_PATTERNS:
        keys = list(client.scan_iter(match=pattern, count=1000))
        for start in range(0, len(keys), 1000):
            emptied += client.delete(*keys[start : start + 1000])
    return emptied


def _object_path(folder: Path, key: str) -> Path:
    """Where an object of the bucket lies in a backup; a key that would leave the folder is refused."""
    # Split by hand: a path would fold "a//b" into "a/b", two keys into one file.
    parts = key.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise control.StackError(f"The bucket holds an object whose key cannot be a file name: {key!r}")
    return folder / OBJECTS / Path(*parts)
