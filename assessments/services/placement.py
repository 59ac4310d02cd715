"""Placement runs (issue 15 §3): read the season's market, compute it with the engine, store the
run and its lines; publish a run to participants. The engine is fast (10,000 participants in under
a second, docs/placement.md), so a run is computed in the request that starts it."""

import secrets
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import PlacementLine, PlacementRun, RunStatus
from assessments.permissions import staff_check
from assessments.placement import MarketError, placement_compute
from assessments.selectors.placement import placement_market

if TYPE_CHECKING:
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
    return run
