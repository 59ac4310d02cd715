"""The flush: credited spans move from the Redis stream (stores.STREAM) to LectureProgress rows.

A periodic task (courses.tasks) runs it every few seconds. Entries are acknowledged only after the
database commit: a flush that dies leaves them pending, and the next run (same consumer) reads its
pending entries first. Re-applying a span is harmless because spans are merged as a union. Without
Redis there is nothing to flush: the write-through store has written every beat already.

The flush never stops on one bad entry: what cannot be stored (its participant or lecture is gone,
or it cannot be read) is set aside as a ProgressDeadLetter with the reason and the rest of the batch
is stored. Any other failure (the database away, a deadlock) leaves the batch pending: the next
run (every COURSES_FLUSH_INTERVAL_SECONDS) reads it again, and the stream's health
(selectors.progress_flush_health) shows how much waits and for how long."""

import json
import time
from datetime import UTC, datetime

import redis
from django.db import connection, transaction
from django.db.models import Q

from courses import conf
from courses.beats.rules import progress_apply
from courses.beats.stores import STREAM, RedisProgressStore, progress_store, stream_entry_received
from courses.metrics import FLUSH_LAG_SECONDS
from courses.models import LectureProgress, ProgressDeadLetter
from courses.selectors import lecture_completion_rules, users_existing

GROUP = "flush"
CONSUMER = "flusher"
ENTRY_FIELDS = ("u", "l", "s", "e", "p", "t")


def _stream_client() -> redis.Redis | None:
    store = progress_store()
    return store.redis if isinstance(store, RedisProgressStore) else None


def progress_pending() -> int:
    """Credited spans not yet in the database (read by no one yet, or read by a flush that died)."""
    client = _stream_client()
    if client is None:
        return 0
    try:
        groups = client.xinfo_groups(STREAM)
    except redis.RedisError:  # no stream yet (nothing was credited), or no Redis to ask
        return 0
    return sum(group["pending"] + (group.get("lag") or 0) for group in groups if group["name"] == GROUP.encode())


def _group_ensure(client: redis.Redis) -> None:
    try:
        client.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
    except redis.ResponseError as error:
        if "BUSYGROUP" not in str(error):
            raise


def progress_flush(*, batch_size: int | None = None, max_batches: int = 1000) -> int:
    """Move credited spans from the stream into LectureProgress rows; the number of entries applied.

    One flush at a time (a Redis lock; a second caller returns 0 at once)."""
    client = _stream_client()
    if client is None:
        return 0
    batch_size = batch_size or conf.flush_batch_size()
    _group_ensure(client)
    lock = client.lock("courses:flush:lock", timeout=300, blocking_timeout=0)
    if not lock.acquire(blocking=False):
        return 0
    applied = 0
    try:
        # "0" re-reads what an earlier, interrupted run was given but never acknowledged.
        for start_id in ("0", ">"):
            for _batch in range(max_batches):
                answer = client.xreadgroup(GROUP, CONSUMER, {STREAM: start_id}, count=batch_size)
                entries = answer[0][1] if answer else []
                if not entries:
                    break
                ids = [entry_id for entry_id, _fields in entries]
                progress_flush_entries(entries=entries)
                client.xack(STREAM, GROUP, *ids)
                client.xdel(STREAM, *ids)
                applied += len(ids)
                FLUSH_LAG_SECONDS.observe(max(0.0, time.time() - stream_entry_received(ids[0])))
    finally:
        lock.release()
    return applied


def _entry_read(fields: dict) -> tuple[dict[str, str], dict[str, float] | None]:
    text = {
        (key.decode() if isinstance(key, bytes) else key): (value.decode() if isinstance(value, bytes) else value)
        for key, value in fields.items()
    }
    try:
        return text, {name: float(text[name]) for name in ENTRY_FIELDS}
    except (KeyError, ValueError):
        return text, None


def progress_flush_entries(*, entries: list[tuple]) -> int:
    """Apply stream entries ((id, {u, l, s, e, p, t})) to LectureProgress in one transaction, a
    fixed number of queries per batch: read the lectures' durations and which users exist, set
    aside what cannot be stored, lock the rows, insert the missing, bulk-update the rest.

    An entry whose participant or lecture no longer exists (a deleted account, a removed lecture),
    or that cannot be read, would fail the batch at every retry and stop the flush for everyone:
    it becomes a ProgressDeadLetter with the reason instead, in the same transaction."""
    readable: list[tuple[str, dict[str, str], dict[str, float]]] = []
    dead: list[ProgressDeadLetter] = []
    for entry_id, fields in entries:
        entry_id = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
        text, decoded = _entry_read(fields)
        if decoded is None:
            dead.append(ProgressDeadLetter(stream_id=entry_id, fields=text, reason=ProgressDeadLetter.Reason.MALFORMED))
        else:
            readable.append((entry_id, text, decoded))
    rules = lecture_completion_rules(lecture_ids={int(decoded["l"]) for _id, _text, decoded in readable})
    users = users_existing(user_ids={int(decoded["u"]) for _id, _text, decoded in readable})
    by_pair: dict[tuple[int, int], list] = {}
    for entry_id, text, decoded in readable:
        pair = (int(decoded["u"]), int(decoded["l"]))
        reason = (
            ProgressDeadLetter.Reason.USER_GONE
            if pair[0] not in users
            else ProgressDeadLetter.Reason.LECTURE_GONE
            if pair[1] not in rules
            else None
        )
        if reason is None:
            by_pair.setdefault(pair, []).append(decoded)
        else:
            dead.append(
                ProgressDeadLetter(stream_id=entry_id, user_id=pair[0], lecture_id=pair[1], fields=text, reason=reason)
            )
    with transaction.atomic():
        ProgressDeadLetter.objects.bulk_create(dead)
        if by_pair:
            _progress_apply_pairs(by_pair=by_pair, rules=rules)
    return len(entries)


def _progress_apply_pairs(*, by_pair: dict[tuple[int, int], list], rules: dict) -> None:
    LectureProgress.objects.bulk_create(
        [LectureProgress(user_id=user_id, lecture_id=lecture_id) for user_id, lecture_id in by_pair],
        ignore_conflicts=True,
    )
    rows = _progress_rows_locked(pairs=list(by_pair))
    for pair, pair_entries in by_pair.items():
        row = rows[pair]
        for entry in sorted(pair_entries, key=lambda item: item["t"]):
            progress_apply(
                progress=row,
                spans=[(entry["s"], entry["e"])],
                at=datetime.fromtimestamp(entry["t"], tz=UTC),
                rule=rules[pair[1]],
            )
        row.last_position = max(pair_entries, key=lambda item: item["t"])["p"]
    _progress_rows_save(rows=list(rows.values()))


# A batch is thousands of rows. Django's row-by-row forms of these two statements (an OR of one
# condition per pair, and bulk_update's CASE per row and field) cost about 2 ms of the worker's CPU
# per row to build, more than the beat itself: on PostgreSQL each is one statement over arrays.
_ROWS_LOCKED_SQL = """
    SELECT * FROM {table} WHERE (user_id, lecture_id) IN (SELECT * FROM unnest(%s::bigint[], %s::bigint[]))
    ORDER BY id FOR UPDATE
"""
_ROWS_SAVE_SQL = """
    UPDATE {table} AS row SET spans = given.spans::jsonb, watched_seconds = given.watched_seconds,
        progress = given.progress, completed_at = given.completed_at, last_position = given.last_position
    FROM unnest(%s::bigint[], %s::text[], %s::float8[], %s::float8[], %s::timestamptz[], %s::float8[])
        AS given(id, spans, watched_seconds, progress, completed_at, last_position)
    WHERE row.id = given.id
"""


def _progress_rows_locked(*, pairs: list[tuple[int, int]]) -> dict[tuple[int, int], LectureProgress]:
    """The pairs' rows, locked in id order (every flush locks in the same order: no deadlock)."""
    if connection.vendor == "postgresql":
        rows = LectureProgress.objects.raw(
            _ROWS_LOCKED_SQL.format(table=LectureProgress._meta.db_table),
            [[user_id for user_id, _ in pairs], [lecture_id for _, lecture_id in pairs]],
        )
    else:
        condition = Q(pk__in=[])
        for user_id, lecture_id in pairs:
            condition |= Q(user_id=user_id, lecture_id=lecture_id)
        rows = LectureProgress.objects.select_for_update().filter(condition).order_by("pk")
    return {(row.user_id, row.lecture_id): row for row in rows}


def _progress_rows_save(*, rows: list[LectureProgress]) -> None:
    fields = ["spans", "watched_seconds", "progress", "completed_at", "last_position"]
    if connection.vendor != "postgresql":
        LectureProgress.objects.bulk_update(rows, fields)
        return
    with connection.cursor() as cursor:
        cursor.execute(
            _ROWS_SAVE_SQL.format(table=LectureProgress._meta.db_table),
            [
                [row.pk for row in rows],
                [json.dumps(row.spans) for row in rows],
                [row.watched_seconds for row in rows],
                [row.progress for row in rows],
                [row.completed_at for row in rows],
                [row.last_position for row in rows],
            ],
        )
