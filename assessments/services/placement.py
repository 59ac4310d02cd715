"""Placement runs (issue 15 §3): read the season's market, compute it with the engine, store the
run and its lines; publish a run to participants (and e-mail them); the words said on a published
run — a host confirms or declines, a participant declines, staff move someone — which later runs
keep as fixed placements and declines; a decline or move cancels the internship already made of
the placement (`internship_cancel_for_placement`; a finished one refuses it, 409). The engine is
fast (10,000 participants in under a second, docs/placement.md), so a run is computed in the
request that starts it."""

import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assessments.models import (
    CancelCause,
    PlacementDecision,
    PlacementDecisionKind,
    PlacementLine,
    PlacementNotice,
    PlacementRun,
    RunStatus,
)
from assessments.permissions import staff_check
from assessments.placement import MarketError, placement_compute
from assessments.selectors.placement import (
    STATE_TEXTS,
    placement_commitments,
    placement_latest_published,
    placement_market,
    placement_state,
)
from assessments.services.admission_publish import notice_claim_and_send
from assessments.services.internships import internship_cancel_for_placement
from lms.errors import ConflictError
from lms.hosts.selectors import host_of_user, offer_get, offers_of_season
from lms.selectors import participant_get, participant_places
from lms.text import text_require_storable

if TYPE_CHECKING:
    from lms.models import Participant as SeasonParticipant
    from lms.models import Season

SEED_BITS = 63  # fits a signed bigint


@transaction.atomic
def placement_run_start(*, season: "Season", user: AbstractBaseUser, seed: int | None = None) -> PlacementRun:
    """Compute and store a run of `season`. `seed`: the lottery's; a new random one if None (given
    to re-run a stored run's inputs and compare its output hash). A market the engine refuses is
    stored as a failed run with the engine's message, so the refusal itself is on record."""
    staff_check(user=user)
    if seed is None:
        seed = secrets.randbits(SEED_BITS)
    elif isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**SEED_BITS:
        raise ValidationError({"seed": _("The seed is a whole number from 0 to 2^63 − 1.")})
    run = PlacementRun(season=season, seed=seed, created_by=user, status=RunStatus.RUNNING)
    run.full_clean()
    run.save()
    market = placement_market(season_id=season.pk)
    try:
        placement = placement_compute(market=market, seed=seed)
    except MarketError as error:
        run.status, run.error, run.finished_at = RunStatus.FAILED, str(error), timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        return run
    PlacementLine.objects.bulk_create(
        PlacementLine(
            run=run,
            participant_id=line.participant_id,
            offer_id=line.offer_id,
            how=line.how,
            choice=line.choice,
            lottery=line.lottery,
            reasons=[reason.as_plain() for reason in line.reasons],
        )
        for line in placement.lines
    )
    run.market, run.inputs_hash = market.canonical, market.inputs_hash()
    run.outcome, run.output_hash = placement.canonical, placement.output_hash
    run.participant_count = len(placement.lines)
    run.status, run.finished_at = RunStatus.DONE, timezone.now()
    run.save(
        update_fields=[
            "market",
            "inputs_hash",
            "outcome",
            "output_hash",
            "participant_count",
            "status",
            "finished_at",
        ]
    )
    return run


@transaction.atomic
def placement_run_publish(*, run: PlacementRun, user: AbstractBaseUser) -> PlacementRun:
    """Show a done run to its participants (the cabinet shows the latest published run)."""
    staff_check(user=user)
    run = PlacementRun.objects.select_for_update().get(pk=run.pk)
    if run.status != RunStatus.DONE:
        raise ValidationError({"run": _("Only a finished run can be published.")})
    if run.published_at is not None:
        raise ValidationError({"run": _("This run is already published.")})
    run.published_at, run.published_by = timezone.now(), user
    run.save(update_fields=["published_at", "published_by"])
    # One e-mail per line, recorded with the publication; the task sends them after the commit.
    PlacementNotice.objects.bulk_create(
        [
            PlacementNotice(run=run, participant_id=pid, email=email)
            for pid, email in PlacementLine.objects.filter(run=run)
            .exclude(participant__user__email="")
            .values_list("participant_id", "participant__user__email")
        ],
        ignore_conflicts=True,
    )
    from assessments.tasks import placement_run_notify_task

    placement_run_notify_task.delay_on_commit(run.pk)
    return run


def placement_run_notify(*, run_id: int) -> int:
    """E-mail each participant of a published run where they are placed (or that no seat was
    found); returns the number sent. Each e-mail is claimed before it is sent and marked sent after
    (`notice_claim_and_send`), so a retry after a mail-server failure sends only the rest. In the
    programme's language, as the other e-mails."""
    notices = list(
        PlacementNotice.objects.filter(run_id=run_id, sent_at__isnull=True, run__published_at__isnull=False)
        .select_related("run__season")
        .order_by("id")
    )
    if not notices:
        return 0
    run = notices[0].run
    lines = {
        line.participant_id: line
        for line in PlacementLine.objects.filter(run=run, participant_id__in=[n.participant_id for n in notices])
    }
    offers = {offer.pk: offer for offer in offers_of_season(season_id=run.season_id)}
    sent = 0
    connection = get_connection()
    with translation.override(settings.LANGUAGE_CODE):
        for notice in notices:
            line = lines.get(notice.participant_id)
            offer = offers.get(line.offer_id) if line else None
            parts = [_("The internship placement of %(season)s is published.") % {"season": run.season.name}]
            if offer is not None:
                parts.append(_("Your internship: %(offer)s.") % {"offer": f"{offer.host.name}: {offer.title}"})
                if line.choice:
                    parts.append(_("It was your choice %(n)s.") % {"n": line.choice})
            else:
                parts.append(_("The placement found no seat for you."))
            parts.append(_("Why, and how to decline a placement, is in your personal cabinet."))
            sent += notice_claim_and_send(
                notices=PlacementNotice.objects.filter(pk=notice.pk, sent_at__isnull=True),
                subject=_("Internship placement"),
                body="\n".join(str(part) for part in parts),
                to=notice.email,
                connection=connection,
            )
    return sent


# ---------------------------------------------------------------- decisions on a published run


def _latest_published_locked(*, season_id: int, run: PlacementRun) -> PlacementRun:
    """`run`, locked, if it is the season's latest published run: words are said on what the
    participants and hosts read (an older run is superseded)."""
    latest = placement_latest_published(season_id=season_id)
    if latest is None or latest.pk != run.pk:
        raise ConflictError(_("Only the season's latest published placement can be decided on."))
    return PlacementRun.objects.select_for_update().defer("market", "outcome").get(pk=run.pk)


def _decision_save(decision: PlacementDecision) -> PlacementDecision:
    decision.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            decision.save()
    except IntegrityError as error:
        raise ConflictError(_("This decision has already been made.")) from error
    return decision


def _reason_required(reason: str, message: str) -> str:
    reason = (reason or "").strip()
    text_require_storable(value=reason, field="reason")
    if not reason:
        raise ValidationError({"reason": [message]})
    return reason


@transaction.atomic
def placement_host_decide(
    *, run: PlacementRun, participant_id: int, confirm: bool, reason: str = "", user: AbstractBaseUser
) -> PlacementDecision:
    """A host body's people confirm or decline a placement on the host's offer in the latest
    published run; a decline says why. A confirmed placement is fixed in every later run; a
    declined one frees the seat and the participant is not placed on that offer again. A confirmed
    placement may still be declined (the internship made of it is cancelled) until the internship
    is finished."""
    line = PlacementLine.objects.filter(run=run, participant_id=participant_id, offer__isnull=False).first()
    if line is None:
        raise ValidationError({"participant": [_("This participant has no placement in this run.")]})
    offer = offer_get(offer_id=line.offer_id)
    own = host_of_user(user=user)
    if own is None or own.pk != offer.host_id:
        # The host's own word: staff act through moves, another body's people not at all.
        raise PermissionDenied(_("Only the people of the offer's host body confirm or decline its placements."))
    run = _latest_published_locked(season_id=run.season_id, run=run)
    state = placement_state(
        commitments=placement_commitments(season_id=run.season_id), participant_id=participant_id, offer_id=offer.pk
    )
    if state not in (("pending", "moved") if confirm else ("pending", "moved", "confirmed")):
        raise ConflictError(_("This placement is already decided: %(state)s.") % {"state": STATE_TEXTS[state]()})
    if confirm:
        kind, reason = PlacementDecisionKind.CONFIRMED, (reason or "").strip()
        text_require_storable(value=reason, field="reason")
    else:
        kind = PlacementDecisionKind.DECLINED_BY_HOST
        reason = _reason_required(reason, _("Say why the host declines this placement."))
        internship_cancel_for_placement(
            season_id=run.season_id,
            participant_id=participant_id,
            offer_id=offer.pk,
            cause=CancelCause.DECLINED_BY_HOST,
            reason=reason,
            user=user,
        )
    return _decision_save(
        PlacementDecision(
            run=run, participant_id=participant_id, offer=offer, kind=kind, reason=reason, decided_by=user
        )
    )


@transaction.atomic
def placement_participant_decline(
    *, participant: "SeasonParticipant", user: AbstractBaseUser, reason: str = ""
) -> PlacementDecision:
    """A participant declines their placement in the season's latest published run: the seat goes
    back into the next run, and they are not placed on that offer again."""
    if participant.user_id != user.pk:
        raise PermissionDenied(_("Only the participant may decline their placement."))
    run = placement_latest_published(season_id=participant.season_id)
    line = (
        PlacementLine.objects.filter(run=run, participant_id=participant.pk, offer__isnull=False).first()
        if run
        else None
    )
    if line is None:
        raise ValidationError({"placement": [_("You have no placement to decline.")]})
    run = _latest_published_locked(season_id=participant.season_id, run=run)
    state = placement_state(
        commitments=placement_commitments(season_id=run.season_id),
        participant_id=participant.pk,
        offer_id=line.offer_id,
    )
    if state.startswith("declined"):
        raise ConflictError(_("This placement is already declined."))
    reason = (reason or "").strip()
    text_require_storable(value=reason, field="reason")
    internship_cancel_for_placement(
        season_id=run.season_id,
        participant_id=participant.pk,
        offer_id=line.offer_id,
        cause=CancelCause.DECLINED_BY_PARTICIPANT,
        reason=reason,
        user=user,
    )
    return _decision_save(
        PlacementDecision(
            run=run,
            participant_id=participant.pk,
            offer_id=line.offer_id,
            kind=PlacementDecisionKind.DECLINED_BY_PARTICIPANT,
            reason=reason,
            decided_by=user,
        )
    )


@transaction.atomic
def placement_move(
    *, run: PlacementRun, participant_id: int, offer_id: int, reason: str, user: AbstractBaseUser
) -> PlacementDecision:
    """Staff move a participant of the season to another offer with a written reason: kept as a
    fixed placement in every later run (the engine's moves). Refused when the offer's seats (or its
    cap on PRO from other regions) are all held by fixed placements already, which the engine
    would refuse too, or when the offer does not take the participant's level."""
    staff_check(user=user)
    reason = _reason_required(reason, _("Say why the participant is moved."))
    run = PlacementRun.objects.select_for_update().defer("market", "outcome").get(pk=run.pk)
    if run.status != RunStatus.DONE:
        raise ValidationError({"run": _("Only a finished run's participants can be moved.")})
    participant = participant_get(participant_id=participant_id)
    if participant is None or participant.season_id != run.season_id or participant.left_at is not None:
        raise ValidationError({"participant": [_("Choose a participant of this season.")]})
    offer = offer_get(offer_id=offer_id)
    if offer is None or offer.season_id != run.season_id or not offer.host.active:
        raise ValidationError({"offer": [_("Choose an offer of this season's host bodies.")]})
    if participant.level not in offer.levels:
        raise ValidationError({"offer": [_("This offer does not take participants of their level.")]})
    commitments = placement_commitments(season_id=run.season_id)
    if commitments.fixed.get(participant_id, (None,))[0] == offer.pk:
        raise ValidationError({"offer": [_("The participant is already fixed on this offer.")]})
    holders = [pid for pid, (fixed_on, _source) in commitments.fixed.items() if fixed_on == offer.pk]
    holders = [pid for pid in holders if pid != participant_id]
    if len(holders) >= offer.seats:
        raise ValidationError({"offer": [_("All the offer's seats are held by confirmed placements and moves.")]})
    home = offer.host.region_code if offer.host.is_roiv else None
    if offer.other_regions_cap is not None and home and participant.region_code != home:
        regions = participant_places(participant_ids=holders)
        if sum(region != home for region, _zone in regions.values()) >= offer.other_regions_cap:
            raise ValidationError(
                {"offer": [_("The offer's seats for PRO from other regions are all held by fixed placements.")]}
            )
    internship_cancel_for_placement(
        season_id=run.season_id,
        participant_id=participant_id,
        offer_id=offer.pk,
        cause=CancelCause.MOVED,
        reason=reason,
        user=user,
    )
    line = PlacementLine.objects.filter(run=run, participant_id=participant_id).first()
    return _decision_save(
        PlacementDecision(
            run=run,
            participant_id=participant_id,
            offer=offer,
            from_offer_id=line.offer_id if line else None,
            kind=PlacementDecisionKind.MOVED,
            reason=reason,
            decided_by=user,
        )
    )
