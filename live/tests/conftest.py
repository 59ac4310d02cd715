import pytest
from django.core.cache import cache

from live.buffer import BUFFER_KEY, FLUSHING_PREFIX, buffer_client


@pytest.fixture(autouse=True)
def _empty_beat_buffer():
    client = buffer_client()
    if client is not None:
        client.delete(BUFFER_KEY, *client.keys(FLUSHING_PREFIX + "*"))
    cache.clear()
    yield
