"""The console's per-minute attendance chart, drawn from `selectors.session_minute_counts`: bars
over a count axis and a time axis in the viewer's zone (the zone active for the request), and what a
screen reader reads instead — a one-sentence summary and a minute → count table."""

from datetime import datetime, timedelta

from django.utils import timezone

BAR_WIDTH = 8  # user units per minute of the SVG's stretched viewBox
# Minutes between time labels: the first that leaves at most MAX_TIME_TICKS labels, on round
# clock times so "10:15" rather than "10:13".
TIME_TICK_STEPS = (1, 2, 5, 10, 15, 20, 30, 60, 120, 180)
MAX_TIME_TICKS = 6


def _percent(part: float, whole: float) -> float:
    return round(part * 100 / whole, 2) if whole else 0.0


def minute_chart(*, counts: list[int], start: datetime) -> dict:
    """Everything the template draws; minute i starts at `start` + i minutes."""
    zone = timezone.get_current_timezone()
    times = [timezone.localtime(start + timedelta(minutes=index), zone) for index in range(len(counts))]
    labels = [moment.strftime("%H:%M") for moment in times]
    peak = max(counts, default=0)
    scale = peak or 1
    step = next((s for s in TIME_TICK_STEPS if len(counts) / s <= MAX_TIME_TICKS), TIME_TICK_STEPS[-1])
    time_ticks = [
        {"label": labels[index], "left": _percent(index, len(counts))}
        for index, moment in enumerate(times)
        # None in the last tenth: a label centred there would stick out past the plot's right edge.
        if (moment.hour * 60 + moment.minute) % step == 0 and index <= 0.9 * len(counts)
    ]
    count_ticks = sorted({0, (peak + 1) // 2, peak}) if peak else [0]
    peak_index = counts.index(peak) if counts else 0
    return {
        "width": max(len(counts), 1) * BAR_WIDTH,
        "bar_width": BAR_WIDTH - 1,
        "bars": [
            {
                "x": index * BAR_WIDTH,
                "y": round(100 - count * 100 / scale, 1),
                "height": round(count * 100 / scale, 1),
                "count": count,
                "time": labels[index],
            }
            for index, count in enumerate(counts)
        ],
        "rows": list(zip(labels, counts)),
        "time_ticks": time_ticks,
        "count_ticks": [{"label": value, "bottom": _percent(value, scale)} for value in count_ticks],
        "zone": str(zone),
        "peak": peak,
        "peak_at": labels[peak_index] if counts else "",
        "first": labels[0] if counts else "",
        # The end of the last minute shown, so "from 10:00 to 10:30" spans every bar.
        "last": timezone.localtime(start + timedelta(minutes=len(counts)), zone).strftime("%H:%M"),
        "now": counts[-1] if counts else 0,
    }
