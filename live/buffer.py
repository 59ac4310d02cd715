"""Presence beats are buffered in Redis and written in batches, so a beat costs no database write.

A flush first renames the buffer to a key of its own and names that key in a set (one
transaction), stores the rows, then deletes the key and its name. If the flush dies half-way the
renamed key stays named, and the next flush stores it again; the events' dedupe keys make the
repeat change nothing. The set, not a SCAN of the keyspace: with thousands of viewers' keys in
Redis, a scan every few seconds cost the worker more than the beats it flushed (capacity.md)."""

import json
import uuid
from collections.abc import Callable
from functools import lru_cache

import redis

from live import conf

BUFFER_KEY = "live:beats"
FLUSHING_PREFIX = "live:beats:flushing:"
FLUSHING_SET = "live:beats:flushing"


@lru_cache(maxsize=4)
def _client_for(url: str) -> redis.Redis:
    return redis.Redis.from_url(url)


def buffer_client() -> redis.Redis | None:
    url = conf.redis_url()
    return _client_for(url) if url else None


def beat_buffer_push(*, client: redis.Redis, row: dict) -> None:
    client.rpush(BUFFER_KEY, json.dumps(row, separators=(",", ":")))


def beat_buffer_length(*, client: redis.Redis) -> int:
    return client.llen(BUFFER_KEY)


def beat_buffer_flush(*, client: redis.Redis, store: Callable[[list[dict]], None], batch: int = 5000) -> int:
    stored = 0
    for key in client.smembers(FLUSHING_SET):
        stored += _drain(client=client, key=key, store=store, batch=batch)
    key = f"{FLUSHING_PREFIX}{uuid.uuid4().hex}"
    renaming = client.pipeline(transaction=True)
    renaming.rename(BUFFER_KEY, key).sadd(FLUSHING_SET, key)
    try:
        renaming.execute()
    except redis.ResponseError:  # nothing buffered (the set is left as it was: MULTI/EXEC all or nothing)
        return stored
    return stored + _drain(client=client, key=key, store=store, batch=batch)


def _drain(*, client: redis.Redis, key, store: Callable[[list[dict]], None], batch: int) -> int:
    total = client.llen(key)
    for offset in range(0, total, batch):
        raw = client.lrange(key, offset, offset + batch - 1)
        store([json.loads(item) for item in raw])
    client.pipeline(transaction=True).delete(key).srem(FLUSHING_SET, key).execute()
    return total
