"""Whether any of a season's outcomes is published yet: an admission run (per track), a placement,
a wave of ministry decisions. The cabinet's admission, placement and ministry panels read a
participant's line only once there is one: through the education block, when the whole audience
is watching lectures, there is none, and those three panels' queries were a tenth of the cabinet's
CPU (issue 14 §3). On a page the answer comes from the pages' cache (lms.memo.page_cached);
assessments.apps starts afresh when a run or a wave is saved or deleted."""

from typing import NamedTuple

from assessments.models import AdmissionRun, MinistryWave, PlacementRun, RunStatus
from lms.memo import page_cached

SEASON_OUTCOMES_CACHE = "assessments.season-outcomes"


class SeasonOutcomes(NamedTuple):
    admission_tracks: frozenset[str]
    placement: bool
    ministry: bool


def season_outcomes_published(*, season_id: int) -> SeasonOutcomes:
    """What of the season is published (three queries; on a page, from the pages' cache)."""

    def read() -> SeasonOutcomes:
        return SeasonOutcomes(
            admission_tracks=frozenset(
                AdmissionRun.objects.filter(season_id=season_id, published_at__isnull=False)
                .order_by()
                .values_list("track", flat=True)
                .distinct()
            ),
            placement=PlacementRun.objects.filter(
                season_id=season_id, status=RunStatus.DONE, published_at__isnull=False
            ).exists(),
            ministry=MinistryWave.objects.filter(season_id=season_id).exists(),
        )

    return page_cached(subject=SEASON_OUTCOMES_CACHE, key=(season_id,), compute=read)
