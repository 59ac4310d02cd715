from datetime import datetime

import pytest
from django.core.cache import cache

from live.buffer import BUFFER_KEY, FLUSHING_PREFIX, FLUSHING_SET, buffer_client


@pytest.fixture(autouse=True)
def _empty_beat_buffer():
    client = buffer_client()
    if client is not None:
        client.delete(BUFFER_KEY, FLUSHING_SET, *client.keys(FLUSHING_PREFIX + "*"))
    cache.clear()
    yield


class Clock:
    """The server's clock for a test: django.utils.timezone.now answers `at` (moved by hand)."""

    def __init__(self, at: datetime):
        self.at = at

    def now(self) -> datetime:
        return self.at


@pytest.fixture
def clock(monkeypatch):
    """Every timezone.now() (our services, views and APIs, auto_now fields) reads this clock; set
    `clock.at` before use. Time is nothing else's business here: no thread sleeps on it."""
    from django.utils import timezone

    fake = Clock(timezone.now())
    monkeypatch.setattr(timezone, "now", fake.now)
    return fake


@pytest.fixture
def fake_bbb(settings):
    """A stand-in BBB on loopback (live/tests/fake_bbb.py): yields (answers, calls)."""
    from live.tests.fake_bbb import fake_bbb_serve

    yield from fake_bbb_serve(settings)
