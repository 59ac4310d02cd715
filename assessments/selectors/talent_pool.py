"""The talent pool across seasons (issue 15 §5): every season's finalists (an applied ministry
decision or the closing's finalist award, as for the dossiers) and interns whose internship is
finished, while their talent-pool consent is in force; staff find them by region, level, host and
award, and a person of several seasons is recognised by their user."""

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from assessments.models import Award, AwardKind, Internship, MinistryDecision, MinistryVerdict
from assessments.selectors.internships import STATES, internship_state
from lms.choices import Level
from lms.regions import region_get
from lms.selectors import (
    participant_ids_in_talent_pool,
    participant_ids_of_users,
    participant_pool_facts,
    participant_summaries,
)


def _pool_rows(*, among: QuerySet | None = None) -> list[dict]:
    """One row per participation in the pool (optionally among these participant ids), with its
    finalist mark, awards and internships. Nine queries whatever the count."""
    decisions = MinistryDecision.objects.filter(verdict=MinistryVerdict.FINALIST, wave__isnull=False)
    finalist_awards = Award.objects.filter(kind=AwardKind.FINALIST)
    finished = Internship.objects.active().filter(feedback_at__isnull=False)
    if among is not None:
        decisions = decisions.filter(participant_id__in=among)
        finalist_awards = finalist_awards.filter(participant_id__in=among)
        finished = finished.filter(participant_id__in=among)
    finalists = set(decisions.values_list("participant_id", flat=True)) | set(
        finalist_awards.values_list("participant_id", flat=True)
    )
    interns = set(finished.values_list("participant_id", flat=True))
    ids = participant_ids_in_talent_pool(participant_ids=finalists | interns) if finalists | interns else set()
    if not ids:
        return []
    facts = participant_pool_facts(participant_ids=ids)
    summaries = participant_summaries(participant_ids=ids)
    awards: dict[int, list[str]] = {}
    for pid, kind in (
        Award.objects.filter(participant_id__in=ids).order_by("kind").values_list("participant_id", "kind")
    ):
        awards.setdefault(pid, []).append(kind)
    ministries: dict[int, set[int]] = {}
    for pid, host_id in MinistryDecision.objects.filter(
        participant_id__in=ids, verdict=MinistryVerdict.FINALIST, wave__isnull=False
    ).values_list("participant_id", "host_id"):
        ministries.setdefault(pid, set()).add(host_id)
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
    kinds, levels = dict(AwardKind.choices), dict(Level.choices)
    rows = []
    for pid in ids:
        fact, summary = facts[pid], summaries[pid]
        region = region_get(fact.region_code)
        rows.append(
            {
                "participant_id": pid,
                "user_id": fact.user_id,
                "name": summary.full_name,
                "season_id": fact.season_id,
                "season": fact.season_name,
                "season_starts_on": fact.season_starts_on,
                "region_code": fact.region_code,
                "region": region.name if region else fact.region_code,
                "level": fact.level,
                "level_label": str(levels.get(fact.level, fact.level)),
                "finalist": pid in finalists,
                "awards": awards.get(pid, []),
                "award_labels": [str(kinds.get(kind, kind)) for kind in awards.get(pid, [])],
                "internships": internships.get(pid, []),
                "host_ids": ministries.get(pid, set()) | {i["host_id"] for i in internships.get(pid, [])},
            }
        )
    rows.sort(key=lambda row: (summaries[row["participant_id"]][:3], row["season_starts_on"], row["participant_id"]))
    return rows


def _seasons(rows: list[dict]) -> dict[int, list[dict]]:
    """Each user's participations in the pool, earliest season first."""
    seasons: dict[int, list[dict]] = {}
    for row in sorted(rows, key=lambda row: (row["season_starts_on"], row["season_id"])):
        seasons.setdefault(row["user_id"], []).append(
            {
                "participant_id": row["participant_id"],
                "season_id": row["season_id"],
                "season": row["season"],
                "finalist": row["finalist"],
                "awards": row["awards"],
                "award_labels": row["award_labels"],
            }
        )
    return seasons


def talent_pool_filters_check(*, region_code=None, level=None, host_id=None, award_kind=None) -> dict:
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
    if errors:
        raise ValidationError(errors)
    return filters


def talent_pool_list(
    *,
    region_code: str | None = None,
    level: str | None = None,
    host_id: int | None = None,
    award_kind: str | None = None,
) -> list[dict]:
    """The pool across all seasons, one row per participation, sorted by name then season, each with
    `seasons`: all that person's participations in the pool (the recognition of an earlier season).
    Filtered by the participation's region and level, the host of its internship or of its ministry
    decision, and an award. Nine queries whatever the count."""
    all_rows = _pool_rows()
    seasons = _seasons(all_rows)
    rows = []
    for row in all_rows:
        if region_code and row["region_code"] != region_code:
            continue
        if level and row["level"] != level:
            continue
        if host_id and host_id not in row["host_ids"]:
            continue
        if award_kind and award_kind not in row["awards"]:
            continue
        rows.append({**row, "seasons": seasons[row["user_id"]]})
    return rows


def talent_pool_history(*, user_ids) -> dict[int, list[dict]]:
    """For each of these users, their participations in the pool (with consent in force), earliest
    season first, with the finalist mark and awards; a user with none is absent. Ten queries."""
    user_ids = list(user_ids)
    if not user_ids:
        return {}
    return _seasons(_pool_rows(among=participant_ids_of_users(user_ids=user_ids)))
