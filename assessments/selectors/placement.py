"""Reads of the placement (issue 15 §3): the market a run reads from the season, the runs, one
run's table with every reason in words, and a participant's published placement."""

from typing import TYPE_CHECKING, NamedTuple

from django.db.models import Q, QuerySet
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from assessments.models import PlacementDecision, PlacementDecisionKind, PlacementLine, PlacementRun, RunStatus
from assessments.placement import Cap, Decline, Fixed, Market, Offer, Participant
from assessments.selectors.interviews import candidates_by_direction
from assessments.selectors.ministry import ministry_priorities
from lms.candidacy.selectors import offer_preferences_of_season
from lms.choices import Level
from lms.hosts.selectors import offers_of_season
from lms.selectors import participant_list, participant_summaries

if TYPE_CHECKING:
    from lms.models import Participant as SeasonParticipant


def placement_market(*, season_id: int) -> Market:
    """The season's market for the engine (a fixed number of queries):

    - offers: every offer of the season whose body takes interns now, with its seats and levels; a
      ROIV offer has its body's region and, where it allows it, PRO from other regions, with staff's
      cap on them (`_offer_caps`);
    - participants: those still in the season who ranked at least one of these offers, with their
      ranking (offers of bodies that stopped taking interns dropped from it); the Beginners who
      ranked nothing, and anyone holding a fixed placement (`_unranked_and_fixed`);
    - priorities: on a ROIV offer a participant ranked, their expert interview's averaged score; a
      Beginner who ranked nothing has it on every ROIV offer of their region. On a FOIV (or state
      corporation) offer, the ministry's applied decision then its interview score
      (`selectors.ministry.ministry_priorities`: declined, pending or none → not eligible,
      `not_ranked_by_host`);
    - fixed placements and declines: the decisions on earlier runs (`placement_commitments`).
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
            caps=_offer_caps(offer),
        )
        for offer in season_offers
    }
    rankings: dict[int, list[int]] = {}
    people: dict[int, SeasonParticipant] = {}
    for preference in offer_preferences_of_season(season_id=season_id).filter(participant__left_at__isnull=True):
        if preference.offer_id in offers:
            people[preference.participant_id] = preference.participant
            rankings.setdefault(preference.participant_id, []).append((preference.rank, preference.offer_id))
    commitments = placement_commitments(season_id=season_id)
    unranked = _unranked_and_fixed(season_id=season_id, people=people, fixed=commitments.fixed)
    averages = {
        row["participant_id"]: row["average"]
        for rows in candidates_by_direction(season_id=season_id).values()
        for row in rows
    }
    participants = []
    priorities: dict[int, dict[int, tuple[float]]] = {}
    for participant_id, person in sorted(people.items()):
        ranking = tuple(offer_id for _rank, offer_id in sorted(rankings.get(participant_id, ())))
        participants.append(
            Participant(id=participant_id, level=person.level, region=person.region_code, ranking=ranking)
        )
        # Those who ranked nothing are placed on an offer of their region they may take: the
        # engine looks for the host's priority there as for a ranked pair.
        reachable = (
            ranking
            if participant_id not in unranked
            else [offer.id for offer in offers.values() if offer.region == person.region_code]
        )
        for offer_id in reachable:
            if offer_id in ministry_of_offer:
                key = ministry_keys.get((ministry_of_offer[offer_id], participant_id))
            else:
                key = (float(averages[participant_id]),) if participant_id in averages else None
            if key is not None:
                priorities.setdefault(offer_id, {})[participant_id] = key
    fixed, declines = _commitments_in_market(commitments, people=people, offers=offers)
    return Market(
        offers=tuple(offers.values()),
        participants=tuple(participants),
        priorities=priorities,
        fixed=fixed,
        declines=declines,
    )


def _offer_caps(offer) -> tuple[Cap, ...]:
    """Staff's cap on PRO from other regions, as the engine's cap on 'every region but the offer's'
    (only PRO may come from other regions, so it counts exactly them)."""
    if offer.other_regions_cap is None or not (offer.host.is_roiv and offer.pro_other_regions):
        return ()
    return (Cap(limit=offer.other_regions_cap),)


def _unranked_and_fixed(*, season_id: int, people: dict, fixed: dict) -> set[int]:
    """Add to `people` the Beginners still in the season who ranked nothing, and anyone holding a
    fixed placement who did not rank (a move may place anyone): one query. Returns the ids of the
    Beginners who ranked nothing."""
    unranked = set()
    others = (
        participant_list(season=season_id).select_related(None).filter(Q(level=Level.BEGINNER) | Q(pk__in=list(fixed)))
    )
    for person in others.exclude(pk__in=list(people)).only("id", "level", "region_code"):
        people[person.pk] = person
        if person.level == Level.BEGINNER:
            unranked.add(person.pk)
    return unranked


def _commitments_in_market(commitments: "Commitments", *, people: dict, offers: dict):
    """The fixed placements and declines of people and offers in the market (a participant who left
    or an offer of a body that stopped taking interns drops out with its words)."""
    fixed = tuple(
        Fixed(participant_id=pid, offer_id=offer_id, source=source)
        for pid, (offer_id, source) in sorted(commitments.fixed.items())
        if pid in people and offer_id in offers
    )
    declines = tuple(
        Decline(participant_id=pid, offer_id=offer_id, by=by)
        for (pid, offer_id), by in sorted(commitments.declines.items())
        if pid in people and offer_id in offers
    )
    return fixed, declines


class Commitments(NamedTuple):
    """What the decisions on the season's runs hold now: {participant id: (offer id, "confirmed" or
    "moved")} and {(participant id, offer id): "host" or "participant"}."""

    fixed: dict[int, tuple[int, str]]
    declines: dict[tuple[int, int], str]


DECLINED_BY = {
    PlacementDecisionKind.DECLINED_BY_HOST: "host",
    PlacementDecisionKind.DECLINED_BY_PARTICIPANT: "participant",
}


def placement_commitments(*, season_id: int) -> Commitments:
    """The season's placement decisions read in the order they were made (one query): a host's
    confirmation fixes the placement; a staff move fixes the new one and lifts earlier declines of
    that pair (staff's word over them); a decline frees the seat, bars the pair, and undoes a fixed
    placement on that offer."""
    fixed: dict[int, tuple[int, str]] = {}
    declines: dict[tuple[int, int], str] = {}
    rows = (
        PlacementDecision.objects.filter(run__season_id=season_id)
        .order_by("decided_at", "id")
        .values_list("participant_id", "offer_id", "kind")
    )
    for pid, offer_id, kind in rows:
        if kind == PlacementDecisionKind.CONFIRMED:
            fixed[pid] = (offer_id, "confirmed")
        elif kind == PlacementDecisionKind.MOVED:
            fixed[pid] = (offer_id, "moved")
            declines.pop((pid, offer_id), None)
        else:
            declines[pid, offer_id] = DECLINED_BY[kind]
            if fixed.get(pid, (None,))[0] == offer_id:
                del fixed[pid]
    return Commitments(fixed=fixed, declines=declines)


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
    """A done run's lines by participant's name, each with the placement, for every offer ranked
    above it the reason in words, and the decisions said on it: four queries whatever the size."""
    lines = list(PlacementLine.objects.filter(run=run).order_by("participant_id"))
    people = participant_summaries(participant_ids=[line.participant_id for line in lines])
    offers = {offer.pk: offer for offer in offers_of_season(season_id=run.season_id)}
    decisions = placement_run_decisions(run=run, offers=offers)
    rows = []
    for line in lines:
        row = _line_view(line, offers)
        row["name"] = people[line.participant_id].full_name if line.participant_id in people else ""
        row["decisions"] = decisions.get(line.participant_id, [])
        rows.append(row)
    return sorted(rows, key=lambda row: (row["name"], row["participant_id"]))


def placement_published_for(*, participant: "SeasonParticipant") -> dict | None:
    """The participant's line of the latest published run of their season, in words (None before
    any run is published, or if the run left them out), with where it stands (`state`) and the
    words said on it: at most five queries."""
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
    decisions = list(
        PlacementDecision.objects.filter(run=run, participant_id=participant.pk)
        .select_related("decided_by")
        .order_by("decided_at", "id")
    )
    ids = {line.offer_id, *(reason["offer_id"] for reason in line.reasons)} | {d.offer_id for d in decisions}
    offers = {offer.pk: offer for offer in offers_of_season(season_id=run.season_id).filter(pk__in=ids - {None})}
    commitments = placement_commitments(season_id=run.season_id)
    state = placement_state(commitments=commitments, participant_id=participant.pk, offer_id=line.offer_id)
    return {
        "run": run,
        **_line_view(line, offers),
        "state": state,
        "state_label": STATE_TEXTS[state]() if state else "",
        "decisions": [_decision_view(decision, offers) for decision in decisions],
        "can_decline": state in ("pending", "confirmed", "moved"),
    }


def placement_latest_published(*, season_id: int) -> PlacementRun | None:
    """The season's latest published run: the one participants and hosts read and decide on."""
    return (
        PlacementRun.objects.filter(season_id=season_id, status=RunStatus.DONE, published_at__isnull=False)
        .defer("market", "outcome")
        .order_by("-published_at", "-id")
        .first()
    )


def placement_state(*, commitments: Commitments, participant_id: int, offer_id: int | None) -> str:
    """Where a line's placement stands after the decisions: "confirmed" or "moved" (fixed),
    "declined_by_host" or "declined_by_participant", "pending" (nobody has decided yet) or "" (no
    placement)."""
    if offer_id is None:
        return ""
    by = commitments.declines.get((participant_id, offer_id))
    if by is not None:
        return f"declined_by_{by}"
    held = commitments.fixed.get(participant_id)
    if held is not None and held[0] == offer_id:
        return held[1]
    return "pending"


STATE_TEXTS = {
    "pending": lambda: _("Awaiting the host's confirmation"),
    "confirmed": lambda: PlacementDecisionKind.CONFIRMED.label,
    "moved": lambda: PlacementDecisionKind.MOVED.label,
    "declined_by_host": lambda: PlacementDecisionKind.DECLINED_BY_HOST.label,
    "declined_by_participant": lambda: PlacementDecisionKind.DECLINED_BY_PARTICIPANT.label,
}


def _decision_view(decision: PlacementDecision, offers: dict) -> dict:
    return {
        "kind": decision.kind,
        "label": decision.get_kind_display(),
        "offer_id": decision.offer_id,
        "offer": _offer_label(offers.get(decision.offer_id)),
        "reason": decision.reason,
        "decided_by": decision.decided_by.get_full_name() or decision.decided_by.get_username(),
        "decided_at": decision.decided_at,
    }


def placement_run_decisions(*, run: PlacementRun, offers: dict) -> dict[int, list[dict]]:
    """The words said on a run's lines (confirmations, declines, moves), by participant, in the
    order they were made: one query."""
    decisions: dict[int, list[dict]] = {}
    for decision in PlacementDecision.objects.filter(run=run).select_related("decided_by").order_by("decided_at", "id"):
        decisions.setdefault(decision.participant_id, []).append(_decision_view(decision, offers))
    return decisions


def placement_host_lines(*, host_id: int) -> tuple[PlacementRun | None, list[dict]]:
    """The host's placed participants in the latest published run of the latest season where it
    has offers placed: each with its offer and where it stands (`placement_state`), by name. Four
    queries, whatever the number of lines."""
    seasons = PlacementLine.objects.filter(offer__host_id=host_id).values("run__season_id")
    run = (
        PlacementRun.objects.filter(season_id__in=seasons, status=RunStatus.DONE, published_at__isnull=False)
        .defer("market", "outcome")
        .order_by("-published_at", "-id")
        .first()
    )
    if run is None:
        return None, []
    lines = list(PlacementLine.objects.filter(run=run, offer__host_id=host_id).select_related("offer__host"))
    people = participant_summaries(participant_ids=[line.participant_id for line in lines])
    commitments = placement_commitments(season_id=run.season_id)
    rows = []
    for line in lines:
        state = placement_state(commitments=commitments, participant_id=line.participant_id, offer_id=line.offer_id)
        person = people.get(line.participant_id)
        rows.append(
            {
                "participant_id": line.participant_id,
                "name": person.full_name if person else "",
                "offer_id": line.offer_id,
                "offer": line.offer.title,
                "how": line.how,
                "how_label": line.get_how_display(),
                "choice": line.choice,
                "state": state,
                "state_label": STATE_TEXTS[state](),
                "open": state in ("pending", "moved"),
            }
        )
    return run, sorted(rows, key=lambda row: (row["name"], row["participant_id"]))
