"""Media spans as sorted, merged lists of [start, end] seconds.

Progress is the length of the union of credited spans, so watching the same minute twice counts
once, and re-applying a span already counted (a flush re-run) changes nothing."""

Span = tuple[float, float]


def spans_merge(spans, extra=()) -> list[list[float]]:
    ordered = sorted((float(start), float(end)) for start, end in [*spans, *extra] if end > start)
    merged: list[list[float]] = []
    for start, end in ordered:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def spans_length(spans) -> float:
    return sum(end - start for start, end in spans)


def spans_clip(spans, *, duration: float) -> list[list[float]]:
    return [[start, min(end, duration)] for start, end in spans if start < duration]
