"""Reads of the placement (issue 15 §3): the market a run reads from the season, the runs, one
run's table with every reason in words, and a participant's published placement."""

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from assessments.models import PlacementLine, PlacementRun, RunStatus
from assessments.placement import Market, Offer, Participant
from assessments.selectors.interviews import candidates_by_direction
from assessments.selectors.ministry import ministry_priorities
from lms.candidacy.selectors import offer_preferences_of_season
from lms.choices import Level
from lms.hosts.selectors import offers_of_season
from lms.selectors import participant_summaries

if TYPE_CHECKING:
    from lms.models import Participant as SeasonParticipant


def placement_market(*, season_id: int) -> Market:
    """The season's market for the engine (a fixed number of queries):

    - offers: every offer of the season whose body takes interns now, with its seats and levels; a
      ROIV offer has its body's region and, where it allows it, PRO from other regions;
    - participants: those still in the season who ranked at least one of these offers, with their
      ranking (offers of bodies that stopped taking interns dropped from it);
    - priorities: on a ROIV offer a participant ranked, their expert interview's averaged score; on
      a FOIV (or state corporation) offer, the ministry's applied decision then its interview score
      (`selectors.ministry.ministry_priorities`: declined, pending or none → not eligible,
      `not_ranked_by_host`). No fixed placements or declines yet.
    """
    season_offers = list(offers_of_season(season_id=season_id, active_hosts_only=True))
    # A federal offer's body: its priorities are that ministry's decisions.
    ministry_of_offer = {offer.pk: offer.host_id for offer in season_offers if not offer.host.is_roiv}
    ministry_keys = ministry_priorities(season_id=season_id)
    offers = {
        offer.pk: Offer(
            id=offer.pk,
            seats=offer.seats,
            levels=frozenset(offer.levels),
            region=offer.host.region_code if offer.host.is_roiv else None,
            other_regions_levels=frozenset({Level.PRO.value}) if offer.pro_other_regions else frozenset(),
        )
        for offer in season_offers
    }
    rankings: dict[int, list[int]] = {}
    people: dict[int, SeasonParticipant] = {}
    for preference in offer_preferences_of_season(season_id=season_id).filter(participant__left_at__isnull=True):
        if preference.offer_id in offers:
            people[preference.participant_id] = preference.participant
            rankings.setdefault(preference.participant_id, []).append((preference.rank, preference.offer_id))
    averages = {
        row["participant_id"]: row["average"]
        for rows in candidates_by_direction(season_id=season_id).values()
        for row in rows
    }
    participants = []
    priorities: dict[int, dict[int, tuple[float]]] = {}
    for participant_id, ranked in rankings.items():
        person = people[participant_id]
        ranking = tuple(offer_id for _rank, offer_id in sorted(ranked))
        participants.append(
            Participant(id=participant_id, level=person.level, region=person.region_code, ranking=ranking)
        )
        for offer_id in ranking:
            if offer_id in ministry_of_offer:
                key = ministry_keys.get((ministry_of_offer[offer_id], participant_id))
            else:
                key = (float(averages[participant_id]),) if participant_id in averages else None
            if key is not None:
                priorities.setdefault(offer_id, {})[participant_id] = key
    return Market(offers=tuple(offers.values()), participants=tuple(participants), priorities=priorities)


def placement_run_list(*, season_id: int | None = None, limit: int = 50) -> QuerySet[PlacementRun]:
    """The latest runs (of one season, or all), newest first, with season and author: one query."""
    runs = PlacementRun.objects.select_related("season", "created_by").defer("market", "outcome")
    if season_id is not None:
        runs = runs.filter(season_id=season_id)
    return runs.order_by("-created_at", "-id")[:limit]


def placement_run_get(*, run_id: int | None) -> PlacementRun | None:
    return PlacementRun.objects.select_related("season").filter(pk=run_id).first() if run_id else None


def _priority_text(key) -> str:
    return " / ".join(number_format(part, decimal_pos=2) for part in key)


RULE_TEXTS = {
    "level_not_allowed": lambda offer: _("the offer does not take participants of your level"),
    "other_region": lambda offer: _("a regional body's offer takes participants of its own region"),
    "declined_by_host": lambda offer: _("the host declined your placement on it earlier"),
    "declined_by_participant": lambda offer: _("you declined your placement on it earlier"),
    "not_ranked_by_host": lambda offer: (
        _("you have no expert interview score")
        if offer is not None and offer.host.is_roiv
        else _("the ministry has not chosen you (no applied decision of finalist or reserve)")
    ),
}


def reason_text(*, reason: dict, offer=None) -> str:
    """One stored reason (`Reason.as_plain()`) in plain words: why not this offer."""
    code = reason["code"]
    if code == "not_eligible":
        rule = RULE_TEXTS.get(reason["rule"])
        return _("Not eligible: %(rule)s.") % {"rule": rule(offer) if rule else reason["rule"]}
    if code in ("cutoff", "regional_cap"):
        values = {"cutoff": _priority_text(reason["cutoff"] or []), "own": _priority_text(reason["own"] or [])}
        if reason["tie_lost"]:
            return _("Tied with the last candidate taken (%(own)s); the run's lottery put them first.") % values
        if code == "regional_cap":
            return (
                _(
                    "Its places for participants from your region went to candidates with higher priority: "
                    "cut-off %(cutoff)s, yours %(own)s."
                )
                % values
            )
        return _("Its seats went to candidates with higher priority: cut-off %(cutoff)s, yours %(own)s.") % values
    if code == "full_by_fixed":
        return _("All its seats were already taken by confirmed placements.")
    return code


def _offer_label(offer) -> str:
    return f"{offer.host.name}: {offer.title}" if offer is not None else ""


def _line_view(line: PlacementLine, offers: dict) -> dict:
    offer = offers.get(line.offer_id)
    return {
        "participant_id": line.participant_id,
        "offer_id": line.offer_id,
        "offer": _offer_label(offer),
        "how": line.how,
        "how_label": line.get_how_display(),
        "choice": line.choice,
        "lottery": line.lottery,
        "reasons": [
            {
                "offer_id": reason["offer_id"],
                "offer": _offer_label(offers.get(reason["offer_id"])),
                "code": reason["code"],
                "text": reason_text(reason=reason, offer=offers.get(reason["offer_id"])),
            }
            for reason in line.reasons
        ],
    }


def placement_run_table(*, run: PlacementRun) -> list[dict]:
    """A done run's lines by participant's name, each with the placement and, for every offer
    ranked above it, the reason in words: three queries whatever the size."""
    lines = list(PlacementLine.objects.filter(run=run).order_by("participant_id"))
    people = participant_summaries(participant_ids=[line.participant_id for line in lines])
    offers = {offer.pk: offer for offer in offers_of_season(season_id=run.season_id)}
    rows = []
    for line in lines:
        row = _line_view(line, offers)
        row["name"] = people[line.participant_id].full_name if line.participant_id in people else ""
        rows.append(row)
    return sorted(rows, key=lambda row: (row["name"], row["participant_id"]))


def placement_published_for(*, participant: "SeasonParticipant") -> dict | None:
    """The participant's line of the latest published run of their season, in words (None before
    any run is published, or if the run left them out): at most three queries."""
    run = (
        PlacementRun.objects.filter(season_id=participant.season_id, status=RunStatus.DONE, published_at__isnull=False)
        .only("id", "published_at", "output_hash", "season_id")
        .order_by("-published_at", "-id")
        .first()
    )
    if run is None:
        return None
    line = PlacementLine.objects.filter(run=run, participant_id=participant.pk).first()
    if line is None:
        return None
    ids = {line.offer_id, *(reason["offer_id"] for reason in line.reasons)} - {None}
    offers = {offer.pk: offer for offer in offers_of_season(season_id=run.season_id).filter(pk__in=ids)}
    return {"run": run, **_line_view(line, offers)}
