"""Who is recommended for the ministries' (FOIV) interviews is decided by the interviews, which
belong to assessments; the core knows no feature app (an import contract), so assessments hands
its selector in here from its AppConfig.ready(), as apps hand in cabinet panels.

The rule itself lives in one place, `assessments.selectors.results.participants_recommended_for_foiv`."""

from collections.abc import Callable, Iterable

FoivSource = Callable[..., set[int]]

_source: FoivSource | None = None


def foiv_recommendation_source_register(source: FoivSource) -> None:
    """`source(*, participant_ids)` → the ids among them recommended for FOIV interviews."""
    global _source
    _source = source


def foiv_recommended_ids(*, participant_ids: Iterable[int]) -> set[int]:
    """Without the interviews app nobody is recommended: federal offers stay closed."""
    ids = list(participant_ids)
    if _source is None or not ids:
        return set()
    return _source(participant_ids=ids)
