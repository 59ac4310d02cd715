"""Presence beats are buffered in Redis and written in batches, so a beat costs no database write.

A flush first renames the buffer to a key of its own (atomic), stores the rows, then deletes that
key. If the flush dies half-way the renamed key stays, and the next flush stores it again; the
events' dedupe keys make the repeat change nothing."""

import json
import uuid
from collections.abc import Callable
from functools import lru_cache

import redis

from live import conf

BUFFER_KEY = "live:beats"
FLUSHING_PREFIX = "live:beats:flushing:"


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
    for key in client.scan_iter(match=FLUSHING_PREFIX + "*"):
        stored += _drain(client=client, key=key, store=store, batch=batch)
    key = f"{FLUSHING_PREFIX}{uuid.uuid4().hex}"
    try:
        client.rename(BUFFER_KEY, key)
    except redis.ResponseError:  # nothing buffered
        return stored
    return stored + _drain(client=client, key=key, store=store, batch=batch)


def _drain(*, client: redis.Redis, key, store: Callable[[list[dict]], None], batch: int) -> int:
    total = client.llen(key)
    for offset in range(0, total, batch):
        raw = client.lrange(key, offset, offset + batch - 1)
        store([json.loads(item) for item in raw])
    client.delete(key)
    return total
