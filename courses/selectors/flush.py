"""What the progress flush reads (the accounts still there) and reports (its backlog and dead letters)."""

from collections.abc import Iterable
from typing import NamedTuple

from courses.beats.stores import StreamHealth, progress_store
from courses.models import ProgressDeadLetter
from lms.privacy.selectors import user_ids_not_erased


def users_existing(*, user_ids: Iterable[int]) -> set[int]:
    """Which of these user ids still name an account that was not erased (one query): the flush
    sets aside the beats of an erased person that were still in flight."""
    return user_ids_not_erased(user_ids=user_ids)


def progress_flush_health() -> StreamHealth:
    """Credited spans waiting to be stored and the age of the oldest (staff's lecture figures, and
    a figure for a health check): a flush that keeps failing shows as a growing age."""
    return progress_store().stream_health()


class DeadLetters(NamedTuple):
    count: int
    latest: list[ProgressDeadLetter]


def progress_dead_letters(*, limit: int = 20) -> DeadLetters:
    """Credited spans the flush set aside, with the reason: how many, and the latest (two queries)."""
    return DeadLetters(ProgressDeadLetter.objects.count(), list(ProgressDeadLetter.objects.all()[:limit]))
