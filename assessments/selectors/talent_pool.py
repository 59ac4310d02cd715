"""The talent pool across seasons (issue 15 §5): every season's finalists (an applied ministry
decision or the closing's finalist award, as for the dossiers) and interns whose internship is
finished, while their talent-pool consent is in force; one who left the season stays only with an
internship finished before leaving, erased people never. Staff find them by region, level, host,
award and person, all in SQL, a page at a time; a person of several seasons is recognised by their
user, and the staff's candidates page marks a candidate's earlier seasons."""

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _

from assessments.models import Award, AwardKind, Internship, MinistryDecision, MinistryVerdict
from assessments.selectors.internships import FINISHED, STATES, internship_state
from lms.choices import Level
from lms.regions import region_get
from lms.selectors import (
    participant_earlier_seasons,
    participant_ids_in_pool,
    participant_pool_facts,
    participant_summaries,
)


def _finalist_decisions() -> QuerySet:
    return MinistryDecision.objects.filter(verdict=MinistryVerdict.FINALIST, wave__isnull=False)


def _pool_ids(*, host_id: int | None = None, award_kind: str = "", **narrowed) -> QuerySet:
    """The pool's participation ids, ordered, as a lazy query (lms's `participant_ids_in_pool` with
    this app's facts: who is a finalist or a finished intern, when the internship was finished, who
    had the host and the award)."""
    finished = Internship.objects.active().filter(feedback_at__isnull=False)
    among = []
    if host_id:
        among.append(
            _finalist_decisions()
            .filter(host_id=host_id)
            .order_by()
            .values("participant_id")
            .union(Internship.objects.active().filter(offer__host_id=host_id).order_by().values("participant_id"))
        )
    if award_kind:
        among.append(Award.objects.filter(kind=award_kind).values("participant_id"))
    return participant_ids_in_pool(
        qualified=[
            _finalist_decisions().values("participant_id"),
            Award.objects.filter(kind=AwardKind.FINALIST).values("participant_id"),
            finished.values("participant_id"),
        ],
        finished_at=Subquery(
            finished.filter(participant_id=OuterRef("pk")).order_by("feedback_at").values("feedback_at")[:1]
        ),
        among=among,
        **narrowed,
    )


def _pool_details(ids: Sequence[int]) -> tuple[set[int], dict[int, list[str]], dict[int, set[int]], dict[int, list]]:
    """Of these pool participations: the finalists, the awards, the ministries that chose them and
    the internships (with their host and state). Three queries."""
    finalists: set[int] = set()
    awards: dict[int, list[str]] = {}
    for pid, kind in (
        Award.objects.filter(participant_id__in=ids).order_by("kind").values_list("participant_id", "kind")
    ):
        awards.setdefault(pid, []).append(kind)
        if kind == AwardKind.FINALIST:
            finalists.add(pid)
    ministries: dict[int, set[int]] = {}
    for pid, host_id in _finalist_decisions().filter(participant_id__in=ids).values_list("participant_id", "host_id"):
        ministries.setdefault(pid, set()).add(host_id)
        finalists.add(pid)
    internships: dict[int, list[dict]] = {}
    for item in (
        Internship.objects.active()
        .filter(participant_id__in=ids)
        .select_related("offer__host")
        .order_by("starts_on", "id")
    ):
        state = internship_state(internship=item)
        internships.setdefault(item.participant_id, []).append(
            {
                "host_id": item.offer.host_id,
                "host": item.offer.host.name,
                "state": state,
                "state_label": str(STATES[state]),
            }
        )
    return finalists, awards, ministries, internships


def _pool_rows(ids: Sequence[int]) -> list[dict]:
    """One row per pool participation of `ids`, in that order. Five queries."""
    if not ids:
        return []
    facts = participant_pool_facts(participant_ids=ids)
    summaries = participant_summaries(participant_ids=ids)
    finalists, awards, ministries, internships = _pool_details(ids)
    kinds, levels = dict(AwardKind.choices), dict(Level.choices)
    rows = []
    for pid in ids:
        fact = facts[pid]
        region = region_get(fact.region_code)
        rows.append(
            {
                "participant_id": pid,
                "user_id": fact.user_id,
                "name": summaries[pid].full_name,
                "season_id": fact.season_id,
                "season": fact.season_name,
                "season_starts_on": fact.season_starts_on,
                "region_code": fact.region_code,
                "region": region.name if region else fact.region_code,
                "level": fact.level,
                "level_label": str(levels.get(fact.level, fact.level)),
                "left": fact.left,
                "finalist": pid in finalists,
                "awards": awards.get(pid, []),
                "award_labels": [str(kinds.get(kind, kind)) for kind in awards.get(pid, [])],
                "internships": internships.get(pid, []),
                "host_ids": ministries.get(pid, set()) | {i["host_id"] for i in internships.get(pid, [])},
            }
        )
    return rows


def talent_pool_filters_check(*, region_code=None, level=None, host_id=None, award_kind=None, user_id=None) -> dict:
    """The filters as the pool takes them (empty ones dropped); an unknown value is a
    ValidationError naming the filter."""
    filters, errors = {}, {}
    if region_code:
        if region_get(region_code) is None:
            errors["region"] = _("There is no such region.")
        filters["region_code"] = region_code
    if level:
        if level not in Level.values:
            errors["level"] = _("There is no such level.")
        filters["level"] = level
    if host_id:
        try:
            filters["host_id"] = int(host_id)
        except (TypeError, ValueError):
            errors["host"] = _("Choose a host body from the list.")
    if award_kind:
        if award_kind not in AwardKind.values:
            errors["award"] = _("There is no such award.")
        filters["award_kind"] = award_kind
    if user_id:
        try:
            filters["user_id"] = int(user_id)
        except (TypeError, ValueError):
            errors["person"] = _("There is no such person.")
    if errors:
        raise ValidationError(errors)
    return filters


def talent_pool_ids(
    *,
    region_code: str = "",
    level: str = "",
    host_id: int | None = None,
    award_kind: str = "",
    user_id: int | None = None,
) -> QuerySet:
    """The pool across all seasons as a lazy query of participation ids, by name then season,
    filtered in SQL by the participation's region and level, the host of its internship or of its
    ministry decision, an award and a person (their user): a page of it is a LIMIT, and
    `talent_pool_rows` reads that page."""
    return _pool_ids(host_id=host_id, award_kind=award_kind, region_code=region_code, level=level, user_id=user_id)


def talent_pool_rows(*, participant_ids: Sequence[int]) -> list[dict]:
    """These pool participations (a page of `talent_pool_ids`), in that order, each with `seasons`:
    all that person's participations in the pool, earliest first (the recognition of an earlier
    season). Six queries whatever the page's size."""
    ids = list(participant_ids)
    if not ids:
        return []
    everyone = _pool_rows(list(_pool_ids(user_ids_of=ids)))
    seasons: dict[int, list[dict]] = {}
    for row in sorted(everyone, key=lambda row: (row["season_starts_on"], row["season_id"])):
        seasons.setdefault(row["user_id"], []).append(
            {key: row[key] for key in ("participant_id", "season_id", "season", "finalist", "awards", "award_labels")}
        )
    by_id = {row["participant_id"]: row for row in everyone}
    return [{**by_id[pid], "seasons": seasons[by_id[pid]["user_id"]]} for pid in ids if pid in by_id]


def talent_pool_earlier_seasons(*, participant_ids: Sequence[int]) -> dict[int, list[dict]]:
    """For each of these participants (a season's candidates), the same person's participations in
    earlier seasons, earliest first; one with none is absent. Taking part is the programme's own
    record and always shown; the pool's facts (finalist, awards, the host of the finished
    internship) only for a participation in the pool (`in_pool`: its consent in force), otherwise
    `finalist` is None (not known to staff) and the rest empty. Six queries whatever the count."""
    earlier = participant_earlier_seasons(participant_ids=participant_ids)
    if not earlier:
        return {}
    in_pool = set(_pool_ids(participant_ids=[item.participant_id for items in earlier.values() for item in items]))
    finalists, awards, _ministries, internships = _pool_details(list(in_pool)) if in_pool else (set(), {}, {}, {})
    kinds = dict(AwardKind.choices)
    result = {}
    for pid, items in earlier.items():
        result[pid] = []
        for item in items:
            pooled = item.participant_id in in_pool
            finished = [i for i in internships.get(item.participant_id, []) if i["state"] == FINISHED]
            own_awards = awards.get(item.participant_id, []) if pooled else []
            result[pid].append(
                {
                    "participant_id": item.participant_id,
                    "user_id": item.user_id,
                    "season_id": item.season_id,
                    "season": item.season_name,
                    "left": item.left,
                    "in_pool": pooled,
                    "finalist": (item.participant_id in finalists) if pooled else None,
                    "awards": own_awards,
                    "award_labels": [str(kinds.get(kind, kind)) for kind in own_awards],
                    "internship_host": finished[0]["host"] if pooled and finished else None,
                }
            )
    return result


def earlier_seasons_label(*, items: list[dict]) -> str:
    """A candidate's earlier seasons in the reader's language, as the candidates page and its
    export say them: "Season 2025 (finalist; awards: Best project; internship: Bank)", the pool's
    facts only where known."""
    parts = []
    for item in items:
        facts = []
        if item["finalist"]:
            facts.append(_("finalist"))
        awards = [
            label
            for kind, label in zip(item["awards"], item["award_labels"], strict=True)
            if kind != AwardKind.FINALIST
        ]
        if awards:
            facts.append(_("awards: %(awards)s") % {"awards": ", ".join(awards)})
        if item["internship_host"]:
            facts.append(_("internship: %(host)s") % {"host": item["internship_host"]})
        if item["left"]:
            facts.append(_("left the season"))
        parts.append(f"{item['season']} ({'; '.join(facts)})" if facts else item["season"])
    return ", ".join(parts)
