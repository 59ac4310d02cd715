"""The flush: credited spans move from the Redis stream (stores.STREAM) to LectureProgress rows.

A periodic task (courses.tasks) runs it every few seconds. Entries are acknowledged only after the
database commit: a flush that dies leaves them pending, and the next run (same consumer) reads its
pending entries first. Re-applying a span is harmless because spans are merged as a union. Without
Redis there is nothing to flush: the write-through store has written every beat already."""

from datetime import UTC, datetime

import redis
from django.db import transaction
from django.db.models import Q

from courses import conf
from courses.beats.rules import progress_apply
from courses.beats.stores import STREAM, RedisProgressStore, progress_store
from courses.models import LectureProgress
from courses.selectors import lecture_completion_rules

GROUP = "flush"
CONSUMER = "flusher"


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
                progress_flush_entries(entries=[fields for _id, fields in entries])
                client.xack(STREAM, GROUP, *ids)
                client.xdel(STREAM, *ids)
                applied += len(ids)
    finally:
        lock.release()
    return applied


def progress_flush_entries(*, entries: list[dict]) -> int:
    """Apply stream entries ({u, l, s, e, p, t}) to LectureProgress in one transaction, a fixed
    number of queries per batch: read the lectures' durations, lock the rows, insert the missing,
    bulk-update the rest."""
    by_pair: dict[tuple[int, int], list] = {}
    for fields in entries:
        decoded = {(k.decode() if isinstance(k, bytes) else k): float(v) for k, v in fields.items()}
        pair = (int(decoded["u"]), int(decoded["l"]))
        by_pair.setdefault(pair, []).append(decoded)
    if not by_pair:
        return 0
    rules = lecture_completion_rules(lecture_ids={lecture_id for _user, lecture_id in by_pair})
    with transaction.atomic():
        pairs = [pair for pair in by_pair if pair[1] in rules]
        LectureProgress.objects.bulk_create(
            [LectureProgress(user_id=user_id, lecture_id=lecture_id) for user_id, lecture_id in pairs],
            ignore_conflicts=True,
        )
        condition = Q(pk__in=[])
        for user_id, lecture_id in pairs:
            condition |= Q(user_id=user_id, lecture_id=lecture_id)
        rows = {
            (row.user_id, row.lecture_id): row
            for row in LectureProgress.objects.select_for_update().filter(condition).order_by("pk")
        }
        for pair in pairs:
            row = rows[pair]
            for entry in sorted(by_pair[pair], key=lambda item: item["t"]):
                progress_apply(
                    progress=row,
                    spans=[(entry["s"], entry["e"])],
                    at=datetime.fromtimestamp(entry["t"], tz=UTC),
                    rule=rules[pair[1]],
                )
            row.last_position = max(by_pair[pair], key=lambda item: item["t"])["p"]
        LectureProgress.objects.bulk_update(
            rows.values(), ["spans", "watched_seconds", "progress", "completed_at", "last_position"]
        )
    return len(entries)
