"""Reads shared by the parts of one page: the cabinet's panels come from several apps, and two of
them may ask a selector the same question (the courses panel and the completeness panel both read
the track's lectures). Inside `memo_scope()` a selector that uses `memoized` computes each answer
once; outside one (tasks, APIs, tests) it always reads afresh, so nothing is ever stale beyond the
page being drawn. Answers are shared between callers: they must not be changed in place.

What editors publish for a track (its courses and lectures) is the same for every participant of
it and changes a few times a season, yet building those reads' SQL and models was a tenth of the
cabinet's CPU on every page (issue 14 §3). `page_cached` keeps such an answer in the cache across
pages as well, under its subject's *generation*; a change of the subject starts a new generation
(`page_cache_forget`, from the owning app's signals), so the next page reads afresh — the way
Moodle keeps a course's structure. Only pages read it: outside a memo scope (an admission run, a
task, an API) the answer is always read from the database, so no decision rests on the cache."""

import functools
import hashlib
import uuid
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TypeVar

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal

T = TypeVar("T")

_memo: ContextVar[dict | None] = ContextVar("lms_memo", default=None)

# A change made without the models' signals (a queryset update, a restored dump) still shows
# within this time.
PAGE_CACHE_SECONDS = 300


@contextmanager
def memo_scope() -> Iterator[None]:
    """A scope of shared reads; within one already open, that one goes on (scopes nest)."""
    if _memo.get() is not None:
        yield
        return
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def memo_open() -> bool:
    """Whether a memo scope is open: a page is being drawn."""
    return _memo.get() is not None


def memoized(key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, once per `key` within the current memo scope (every time outside one)."""
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


@functools.cache
def code_version() -> str:
    """A digest of the project's Python sources. Entries are kept under it, so a release that
    changes what an answer holds never reads one an older release stored (nodes running the same
    code agree on it; a generation is shared by all releases, so a change seen by any forgets)."""
    digest = hashlib.blake2b(digest_size=8)
    for config in apps.get_app_configs():
        folder = Path(config.path)
        if folder.is_relative_to(settings.BASE_DIR):  # the project's own apps, not the libraries
            for path in sorted(folder.rglob("*.py")):
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _generation_key(subject: str) -> str:
    return f"page-cache:{subject}:generation"


def page_cached(*, subject: str, key: tuple, compute: Callable[[], T], keep_none: bool = True) -> T:
    """`compute()` memoized (above) and, within a memo scope, also kept in the cache until
    `page_cache_forget(subject=...)` or PAGE_CACHE_SECONDS. The answer must pickle. With
    `keep_none=False` an answer of None is not kept: where a visitor chooses the key (a URL's
    path), only what exists may fill the cache, or anyone could fill it with what does not."""
    if not memo_open():
        return compute()
    return memoized(("page-cache", subject, key), lambda: _cached(subject, key, compute, keep_none))


def _cached(subject: str, key: tuple, compute: Callable[[], T], keep_none: bool) -> T:
    generation_key = _generation_key(subject)
    entry_key = f"page-cache:{subject}:{code_version()}:" + ":".join(str(part) for part in key)
    # One round trip: the subject's generation and the entry, which says which generation it holds.
    found = cache.get_many([generation_key, entry_key])
    generation = found.get(generation_key)
    entry = found.get(entry_key)
    if generation is not None and entry is not None and entry[0] == generation:
        return entry[1]
    if generation is None:
        cache.add(generation_key, uuid.uuid4().hex, None)
        generation = cache.get(generation_key)
    # Read after the generation: a change committed meanwhile has started a newer one, so what is
    # stored here under the older generation is never served.
    answer = compute()
    if answer is not None or keep_none:
        cache.set(entry_key, (generation, answer), PAGE_CACHE_SECONDS)
    return answer


def page_cache_forget(*, subject: str) -> None:
    """Start a new generation of the subject now, and again once the change is committed: a page
    drawn between the two may have cached what the database still held."""
    generation_renew(subject)
    transaction.on_commit(functools.partial(generation_renew, subject))


def generation_renew(subject: str) -> None:
    cache.set(_generation_key(subject), uuid.uuid4().hex, None)


def page_cache_forget_on(
    *, subject: str, senders: Iterable[type], signals: Iterable[Signal] = (post_save, post_delete)
) -> None:
    """Forget `subject` (page_cache_forget) whenever one of `signals` is sent for one of `senders`:
    an app's ready() says which of its models its cached answers are read from."""

    def forget(sender, **kwargs) -> None:
        page_cache_forget(subject=subject)

    for sender in senders:
        for signal in signals:
            # Held strongly: the receiver is this closure, which nothing else keeps alive.
            signal.connect(forget, sender=sender, weak=False, dispatch_uid=f"page-cache:{subject}")
