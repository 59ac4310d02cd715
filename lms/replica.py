"""Reports and exports read a PostgreSQL read replica when one is configured (DATABASE_REPLICA_URL),
so the heavy reads of staff's spreadsheets never compete with participants' writes on the primary.

Only code that asks for it reads the replica, inside `replica_reads()`: a router that sent every read
there would make a page read behind its own writes (a replica lags), and a permission check read a
role already taken away. Everything else, and every write (also inside the block), goes to the
primary. Without a replica configured the block reads the primary: nothing changes but the load.

A block may name what must already be on the replica (`fresh`): an export of a finished admission
run must not read the replica while it has not replayed the run's end yet, or it would hand out a
half-empty file; then the block reads the primary and says so in the log."""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

logger = logging.getLogger(__name__)

REPLICA = "replica"
PRIMARY = "default"

_reading: ContextVar[str | None] = ContextVar("lms_replica_reading", default=None)


def replica_alias() -> str:
    """The alias reports read: the replica when configured, else the primary."""
    return REPLICA if REPLICA in settings.DATABASES else PRIMARY


@contextmanager
def replica_reads(*, fresh: Callable[[str], bool] | None = None) -> Iterator[str]:
    """Route this block's reads to the replica (the alias used is yielded). `fresh(alias)` says
    whether the replica already holds what the block must see; if not, the block reads the primary."""
    alias = replica_alias()
    if alias != PRIMARY and fresh is not None and not fresh(alias):
        logger.warning("the read replica is behind; this report reads the primary")
        alias = PRIMARY
    token = _reading.set(alias)
    try:
        yield alias
    finally:
        _reading.reset(token)


def replica_holds(instance, *fields: str) -> Callable[[str], bool]:
    """A `fresh` check: the database holds `instance` with these fields' values as read from the primary."""

    def check(alias: str) -> bool:
        values = {field: getattr(instance, field) for field in fields}
        return type(instance)._base_manager.using(alias).filter(pk=instance.pk, **values).exists()

    return check


class ReplicaRouter:
    """DATABASE_ROUTERS entry: reads inside `replica_reads()` go to its alias; nothing is ever
    written or migrated there (the replica replays the primary)."""

    def db_for_read(self, model, **hints):
        return _reading.get()

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # The same rows on both: an object read from the replica relates to one from the primary.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY
