"""A small per-process cache with expiry, for what every progress beat would otherwise fetch
(the participant's access window, who the caller is). At ~1,000 beats/s a shared round trip per
beat for data that changes a few times a season is the main cost of the endpoint."""

import time
from collections import OrderedDict
from collections.abc import Callable


class Memo:
    def __init__(self, *, seconds: Callable[[], float], size: int = 50_000):
        # A function, so the setting is read when an entry is stored, not when the module loads.
        self.seconds = seconds
        self.size = size
        self._items: OrderedDict = OrderedDict()

    def get(self, key):
        item = self._items.get(key)
        if item is None:
            return None
        value, expires = item
        if expires < time.monotonic():
            self._items.pop(key, None)
            return None
        return value

    def set(self, key, value) -> None:
        self._items[key] = (value, time.monotonic() + self.seconds())
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def forget(self, key) -> None:
        self._items.pop(key, None)

    def clear(self) -> None:
        self._items.clear()
