"""The room backend of a delivery, from LIVE_ROOM_BACKENDS (delivery → dotted path of a
RoomBackend class) over the defaults in live/conf.py."""

from functools import cache

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from live import conf
from live.rooms.base import RoomBackend


@cache
def _backend_at(path: str) -> RoomBackend:
    backend = import_string(path)()
    if not isinstance(backend, RoomBackend):
        raise ImproperlyConfigured(f"{path} (LIVE_ROOM_BACKENDS) is not a live.rooms.base.RoomBackend.")
    return backend


def room_backend(delivery: str) -> RoomBackend:
    path = conf.room_backends().get(delivery)
    if path is None:
        raise ImproperlyConfigured(f"No room backend for the delivery {delivery!r}: add it to LIVE_ROOM_BACKENDS.")
    return _backend_at(path)


def delivery_choices() -> list[tuple[str, str]]:
    """The session's `delivery` choices: one per configured backend, in the setting's order. A
    callable, so a room type added in the setting needs no migration of live's models."""
    return [(delivery, room_backend(delivery).label) for delivery in conf.room_backends()]
