"""The attendance rules as pure functions: raw signals in, one participant's figure out.

The set-based SQL in `live/derive.py` implements the same rules for a whole session at once;
tests hold the two to identical answers."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

BEAT_TIMEOUT = timedelta(seconds=60)
LATE_AFTER = timedelta(minutes=10)
SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class Signal:
    source: str
    kind: str  # beat | hidden | join | leave | interval
    connection: str
    at: datetime
    ends_at: datetime | None = None


@dataclass(frozen=True)
class Interval:
    start: datetime
    end: datetime
    source: str


@dataclass(frozen=True)
class AttendanceFigure:
    """One participant's figures in one session, as the rules decide them."""

    covered_seconds: int
    window_seconds: int
    first_joined_at: datetime | None
    status: str
    manual: bool
    sources: list[str] = field(default_factory=list)

    @property
    def percent(self) -> float:
        if self.window_seconds <= 0:
            return 0.0
        return round(min(self.covered_seconds, self.window_seconds) * 100 / self.window_seconds, 1)


def raw_intervals(signals: Iterable[Signal], *, open_until: datetime) -> list[Interval]:
    """Every connection's intervals before clipping.

    A beat covers the 60 s after it (cut short by a `hidden` signal of the same connection); a
    join lasts until the first leave of that connection at or after it, or `open_until`."""
    by_connection: dict[tuple[str, str], list[Signal]] = defaultdict(list)
    intervals: list[Interval] = []
    for signal in signals:
        if signal.kind == "interval":
            intervals.append(Interval(signal.at, signal.ends_at or signal.at, signal.source))
        else:
            by_connection[(signal.source, signal.connection)].append(signal)
    for (source, _connection), items in by_connection.items():
        # Arrival order means nothing (webhooks are retried and reordered): only times count.
        items.sort(key=lambda s: (s.at, s.kind))
        for index, signal in enumerate(items):
            if signal.kind == "beat":
                end = signal.at + BEAT_TIMEOUT
                following = items[index + 1] if index + 1 < len(items) else None
                if following is not None and following.kind == "hidden":
                    end = min(end, following.at)
                intervals.append(Interval(signal.at, end, source))
            elif signal.kind == "join":
                leaves = [s.at for s in items[index + 1 :] if s.kind == "leave"]
                intervals.append(Interval(signal.at, leaves[0] if leaves else open_until, source))
    return intervals


def merged_intervals(
    signals: Iterable[Signal], *, window_start: datetime, window_end: datetime, now: datetime | None = None
) -> list[Interval]:
    """The union of all intervals clipped to the window (and to `now` while the session runs)."""
    until = min(window_end, now) if now else window_end
    clipped = sorted(
        (
            Interval(max(i.start, window_start), min(i.end, until), i.source)
            for i in raw_intervals(signals, open_until=until)
        ),
        key=lambda i: (i.start, i.end),
    )
    merged: list[Interval] = []
    for interval in clipped:
        if interval.end <= interval.start:
            continue
        if merged and interval.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = Interval(last.start, max(last.end, interval.end), last.source)
        else:
            merged.append(interval)
    return merged


# The manual marks that say a participant was there: one given while the session was open is
# evidence that it was still going on. "absent" and "excused" say the opposite, so they are not
# (an "excused" given during a forgotten session must not stretch everyone's window to it).
PRESENCE_MARKS = ("present", "late")


def evidence_end(
    signals: Iterable[Signal], *, marks: Iterable[tuple[datetime, str]], window_start: datetime, limit: datetime
) -> datetime | None:
    """Where the window of a session nobody ended in time ends: the last moment anything of it
    was recorded, never later than its overrun limit; None when nothing was recorded after its start.

    A signal counts at its own time (a page beat or hidden page when it was received, a BBB join
    or leave when it happened), a report row at its leave time; a join without a leave counts at
    the join, so one lost "leave" cannot hold the window open to the limit. A mark `(marked_at,
    status)` counts at the moment it was given when it says the participant was there
    (PRESENCE_MARKS), and only while the session was open (its start to its limit): a mark given
    the next day says nothing of when the session stopped."""
    latest = max(
        [(s.ends_at or s.at) if s.kind == "interval" else s.at for s in signals]
        + [at for at, status in marks if status in PRESENCE_MARKS and window_start <= at <= limit],
        default=None,
    )
    if latest is None or latest <= window_start:
        return None
    return min(latest, limit)


def status_decide(
    *,
    covered_seconds: int,
    window_seconds: int,
    first_joined_at: datetime | None,
    window_start: datetime,
    threshold_percent: int,
    manual_status: str | None = None,
) -> str:
    """present: reached the threshold having joined within 10 min of the start; late: reached it
    but joined later; absent: below it. A manual mark wins. Integers only, so 80% is exactly 80%."""
    if manual_status:
        return manual_status
    if window_seconds > 0 and covered_seconds * 100 >= threshold_percent * window_seconds:
        if first_joined_at is not None and first_joined_at - window_start > LATE_AFTER:
            return "late"
        return "present"
    return "absent"


def presence_figure(
    signals: Iterable[Signal],
    *,
    window_start: datetime,
    window_end: datetime,
    threshold_percent: int,
    manual_status: str | None = None,
    now: datetime | None = None,
) -> AttendanceFigure:
    signals = list(signals)
    until = min(window_end, now) if now else window_end
    kept = [
        Interval(max(i.start, window_start), min(i.end, until), i.source)
        for i in raw_intervals(signals, open_until=until)
    ]
    kept = [i for i in kept if i.end > i.start]
    merged = merged_intervals(signals, window_start=window_start, window_end=window_end, now=now)
    covered = sum((i.end - i.start for i in merged), timedelta()) // SECOND
    window_seconds = (window_end - window_start) // SECOND
    first = merged[0].start if merged else None
    return AttendanceFigure(
        covered_seconds=min(covered, window_seconds),
        window_seconds=window_seconds,
        first_joined_at=first,
        status=status_decide(
            covered_seconds=covered,
            window_seconds=window_seconds,
            first_joined_at=first,
            window_start=window_start,
            threshold_percent=threshold_percent,
            manual_status=manual_status,
        ),
        manual=bool(manual_status),
        sources=sorted({i.source for i in kept}),
    )
