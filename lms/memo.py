"""Reads shared by the parts of one page: the cabinet's panels come from several apps, and two of
them may ask a selector the same question (the courses panel and the completeness panel both read
the track's lectures). Inside `memo_scope()` a selector that uses `memoized` computes each answer
once; outside one (tasks, APIs, tests) it always reads afresh, so nothing is ever stale beyond the
page being drawn. Answers are shared between callers: they must not be changed in place."""

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

_memo: ContextVar[dict | None] = ContextVar("lms_memo", default=None)


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


def memoized(key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, once per `key` within the current memo scope (every time outside one)."""
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]
