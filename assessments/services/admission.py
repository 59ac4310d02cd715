from __future__ import annotations

import gc
import json
import logging
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from operator import attrgetter
from typing import TYPE_CHECKING, NamedTuple

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assessments import conf
from assessments.models import (
    AdmissionDecision,
    AdmissionPolicy,
    AdmissionRun,
    RevisionNotice,
    RunStatus,
)
from assessments.permissions import staff_check
from assessments.policy import Judgement, outcomes_rank, policy_judge
from assessments.scores import (
    PARTICIPANT_ROW_FIELDS,
    ModuleUnavailable,
    ParticipantRow,
    dates_as_moments,
    score_modules,
)
from assessments.snapshot import (
    DECISION_COLUMNS,
    JSON_COLUMNS,
    FigureEncoder,
    SnapshotLine,
    canonical,
    reasons_json,
    snapshot_hash,
)
from lms.choices import Track
from lms.regions import FederalDistrict
from lms.selectors import participant_list

if TYPE_CHECKING:
    from lms.models import Season

logger = logging.getLogger(__name__)

POLICY_FIELDS = ["rules", "borderline_band", "weights", "capacity", "capacity_scope"]


def admission_policy_validate(*, policy: AdmissionPolicy) -> None:
    modules = score_modules()
    policy.borderline_band = Decimal(str(policy.borderline_band))
    rules = policy.rules
    if not isinstance(rules, list) or not rules:
        raise ValidationError({"rules": _("Give at least one rule.")})
    for rule in rules:
        if not isinstance(rule, dict) or set(rule) != {"module", "min"}:
            raise ValidationError({"rules": _('Each rule is {"module": name, "min": 0..1}.')})
        if rule["module"] not in modules:
            raise ValidationError(
                {
                    "rules": _("There is no score module “%(name)s”; known: %(known)s.")
                    % {"name": rule["module"], "known": ", ".join(sorted(modules))}
                }
            )
        if not isinstance(rule["min"], int | float) or not 0 <= rule["min"] <= 1:
            raise ValidationError({"rules": _("A minimum is a share from 0 to 1.")})
    weights = policy.weights or {}
    if not isinstance(weights, dict) or any(
        name not in modules or not isinstance(w, int | float) or w < 0 for name, w in weights.items()
    ):
        raise ValidationError({"weights": _('Weights are {"module": a number ≥ 0} over known modules.')})
    policy.full_clean()


@transaction.atomic
def admission_policy_save(*, policy: AdmissionPolicy, user: AbstractBaseUser | None = None) -> AdmissionPolicy:
    """Create or edit a policy; an edit that changes anything bumps the version, so a run can say
    exactly which rules it applied."""
    admission_policy_validate(policy=policy)
    if policy.pk is not None:
        stored = AdmissionPolicy.objects.select_for_update().get(pk=policy.pk)
        if all(getattr(stored, name) == getattr(policy, name) for name in POLICY_FIELDS):
            return stored
        policy.version = stored.version + 1
    policy.updated_by = user if user and user.is_authenticated else None
    policy.save()
    return policy


def admission_policy_for(*, season: Season, track: str) -> AdmissionPolicy:
    policy = AdmissionPolicy.objects.filter(season=season, track=track).first()
    if policy is None:
        policy = admission_policy_save(policy=AdmissionPolicy(season=season, track=track))
    return policy


def admission_policy_applicable(*, content: dict, season: Season, track: str) -> dict:
    """The policy's content as the run applies it to this track: a module with nothing required on
    the track is not applicable ("0 of 0" is no evidence of anything) and leaves the rules, listed
    under "not_applicable". A module the policy weighs for ranking cannot be left out: the run is
    refused, naming the module and the track, and so is a run left with no rule at all."""
    modules = score_modules()
    weights = content.get("weights") or {}
    named = {rule["module"] for rule in content["rules"]} | set(weights)
    empty = sorted(
        name for name in named if name in modules and modules[name].required_count(season=season, track=track) == 0
    )
    if not empty:
        return content
    track_label = Track(track).label
    for name in empty:
        if float(weights.get(name) or 0) > 0:
            raise ValidationError(
                {
                    "track": _(
                        "The policy weighs “%(module)s” in the ranking, but the track “%(track)s” has nothing "
                        "required in it: add required items or remove its weight."
                    )
                    % {"module": modules[name].label, "track": track_label}
                }
            )
    rules = [rule for rule in content["rules"] if rule["module"] not in empty]
    if not rules:
        raise ValidationError(
            {
                "track": _("The track “%(track)s” has nothing required in any module of the policy (%(modules)s).")
                % {"track": track_label, "modules": ", ".join(str(modules[name].label) for name in empty)}
            }
        )
    return {
        **content,
        "rules": rules,
        "weights": {name: weight for name, weight in weights.items() if name not in empty},
        "not_applicable": empty,
    }


@transaction.atomic
def admission_run_start(*, season: Season, track: str, user: AbstractBaseUser) -> AdmissionRun:
    staff_check(user=user)
    if track not in Track.values:
        raise ValidationError({"track": _("Choose one of: %(tracks)s.") % {"tracks": ", ".join(Track.values)}})
    policy = admission_policy_for(season=season, track=track)
    run = AdmissionRun.objects.create(
        season=season,
        track=track,
        policy=policy,
        policy_version=policy.version,
        policy_content=admission_policy_applicable(content=policy.content(), season=season, track=track),
        started_by=user,
    )
    from assessments.tasks import admission_run_execute_task

    admission_run_execute_task.delay_on_commit(run.id)
    return run


class ComputedRun(NamedTuple):
    """The snapshot lines and what was still open when they were computed (AdmissionRun's
    `open_items` and `open_lines`)."""

    lines: list[SnapshotLine]
    open_items: list[dict]
    open_lines: dict[str, list[dict]]


def _open_parts(*, names: list[str], assessments: list, now: datetime) -> tuple[list[dict], dict[str, list[dict]]]:
    items = [
        {"module": name, "until": assessment.open_until.isoformat()}
        for name, assessment in zip(names, assessments)
        if assessment.open_until and assessment.open_until > now
    ]
    lines: dict[str, list[dict]] = {}
    for name, assessment in zip(names, assessments):
        for participant_id, extensions in assessment.extended.items():
            lines.setdefault(str(participant_id), []).extend(
                {"module": name, "title": title, "until": until.isoformat()} for title, until in extensions
            )
    return items, lines


def admission_outcomes_compute(
    *, season: Season, track: str, policy_content: dict, participants: Sequence[ParticipantRow], now: datetime
) -> ComputedRun:
    """Every participant's figures, evidence and decision as snapshot lines, by participant id,
    with what was still open at `now`. Texts are rendered in the programme's language and zone, so
    two runs on the same data write the same words.

    Participants with the same figures (equal by value; the modules also share the objects) are
    judged and encoded once: the per-participant work is a few dictionary look-ups."""
    modules = score_modules()
    # Only the modules the policy names: the snapshot holds what the decision rests on.
    names = sorted({rule["module"] for rule in policy_content["rules"]} | set(policy_content.get("weights") or {}))
    with translation.override(settings.LANGUAGE_CODE), timezone.override(settings.TIME_ZONE), dates_as_moments():
        assessments = []
        for name in names:
            if name not in modules:
                raise ModuleUnavailable(
                    _("The policy names the score module “%(name)s”, which is not installed.") % {"name": name}
                )
            assessments.append(modules[name].assess(season=season, track=track, participants=participants, now=now))
        results = [assessment.figures for assessment in assessments]
        judge = policy_judge(
            policy=policy_content, labels={name: str(module.label) for name, module in modules.items()}
        )
        encode = FigureEncoder(names=names)
        # Keyed by a participant's figures, by value (a figure's hash is computed once).
        combos: dict[tuple, tuple[Judgement, str, str, str]] = {}
        own_combo = {}
        for participant in participants:
            figures = tuple(result[participant.id] for result in results)
            combo = combos.get(figures)
            if combo is None:
                judgement = judge(
                    {name: figure.value for name, figure in zip(names, figures)},
                    {name: figure.summary for name, figure in zip(names, figures)},
                )
                combo = combos[figures] = (judgement, *encode(figures), canonical(judgement.reasons))
            own_combo[participant.id] = combo
        outcomes = outcomes_rank(
            policy=policy_content,
            judged={participant_id: combo[0] for participant_id, combo in own_combo.items()},
            districts={p.id: p.federal_district for p in participants},
            district_labels={str(k): str(v) for k, v in FederalDistrict.choices},
        )
    lines = []
    for participant in sorted(participants, key=attrgetter("id")):
        judgement, figures_json, evidence_json, judgement_reasons_json = own_combo[participant.id]
        outcome = outcomes[participant.id]
        lines.append(
            SnapshotLine(
                participant.id,
                participant.user_id,
                participant.federal_district,
                participant.level,
                figures_json,
                evidence_json,
                outcome.score,
                outcome.rank,
                outcome.decision,
                reasons_json(reasons=outcome.reasons, base=judgement.reasons, base_json=judgement_reasons_json),
            )
        )
    return ComputedRun(lines, *_open_parts(names=names, assessments=assessments, now=now))


def _decisions_copy(*, run_id: int, lines: list[SnapshotLine]) -> None:
    """Write the snapshot with one COPY: at 100,000 lines an INSERT spends most of its time quoting
    parameters on the client. (Django's query counter does not see COPY: it is one statement.)"""
    if connection.vendor != "postgresql":  # the embedded SQLite demo
        AdmissionDecision.objects.bulk_create(
            AdmissionDecision(
                run_id=run_id,
                **{
                    column: json.loads(value) if column in JSON_COLUMNS else value
                    for column, value in zip(DECISION_COLUMNS, line)
                },
            )
            for line in lines
        )
        return
    table = AdmissionDecision._meta.db_table
    statement = f"COPY {table} (run_id, {', '.join(DECISION_COLUMNS)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for line in lines:
            copy.write_row((run_id, *line))


class _ClaimLost(Exception):
    """Another worker took the run over (this one's lease ran out): what this one computed is dropped."""


def _claimed(run_id: int, claim: uuid.UUID):
    return AdmissionRun.objects.filter(pk=run_id, claim=claim, status=RunStatus.RUNNING)


def _progress(owned, percent: int) -> None:
    # Each progress report also renews the lease.
    if not owned.update(progress=percent, claimed_at=timezone.now()):
        raise _ClaimLost


def _stale_runs(*, now: datetime):
    """Running runs whose worker stopped reporting: no claim time (runs from before the lease) or
    one older than the lease."""
    stale = now - timedelta(seconds=conf.run_lease_seconds())
    return AdmissionRun.objects.filter(status=RunStatus.RUNNING).filter(
        Q(claimed_at__lt=stale) | Q(claimed_at__isnull=True)
    )


def _give_up_message(attempts: int) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _(
            "The run was interrupted %(attempts)s times (its worker stopped) and is given up; start a new run."
        ) % {"attempts": attempts}


def _stale_runs_give_up(*, now: datetime, run_id: int | None = None) -> int:
    """Stale runs that used up their attempts end FAILED, saying why."""
    runs = _stale_runs(now=now).filter(attempts__gte=conf.run_max_attempts())
    if run_id is not None:
        runs = runs.filter(pk=run_id)
    return runs.update(
        status=RunStatus.FAILED, error=_give_up_message(conf.run_max_attempts()), claim=None, finished_at=now
    )


def _failure_message(error: Exception) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        if isinstance(error, ValidationError):
            return " ".join(error.messages)
        if isinstance(error, ModuleUnavailable | KeyError):
            return str(error)
        return _("The run failed because of an internal error (%(error)s); start a new run or tell the developers.") % {
            "error": f"{type(error).__name__}: {error}"
        }


def admission_run_execute(*, run_id: int) -> AdmissionRun | None:
    """Claim the run, compute, store. A waiting run is claimed once (a redelivered task finds it
    claimed and does nothing); a running run whose claim is older than the lease belongs to a dead
    worker and is claimed again, up to ASSESSMENTS_RUN_MAX_ATTEMPTS times. Whatever goes wrong, the
    run ends FAILED with the reason: it never stays RUNNING behind a live worker."""
    now = timezone.now()
    claim = uuid.uuid4()
    stale = now - timedelta(seconds=conf.run_lease_seconds())
    claimed = (
        AdmissionRun.objects.filter(pk=run_id, attempts__lt=conf.run_max_attempts())
        .filter(
            Q(status=RunStatus.PENDING)
            | Q(status=RunStatus.RUNNING, claimed_at__lt=stale)
            | Q(status=RunStatus.RUNNING, claimed_at__isnull=True)
        )
        .update(status=RunStatus.RUNNING, progress=5, claim=claim, claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        _stale_runs_give_up(now=now, run_id=run_id)
        return None
    owned = _claimed(run_id, claim)
    run = AdmissionRun.objects.select_related("season").get(pk=run_id)
    try:
        # Plain rows, not model instances: 100,000 Participant objects cost seconds.
        participants = list(
            map(
                ParticipantRow._make,
                participant_list(season=run.season, track=run.track)
                .order_by("id")
                .values_list(*PARTICIPANT_ROW_FIELDS),
            )
        )
        _progress(owned, 20)
        # Millions of short-lived objects (the contracts' answers) would make the cyclic GC rescan
        # them again and again; nothing here makes cycles, so it waits until the run is computed.
        gc.disable()
        try:
            computed = admission_outcomes_compute(
                season=run.season,
                track=run.track,
                policy_content=run.policy_content,
                participants=participants,
                now=timezone.now(),
            )
            lines = computed.lines
        finally:
            gc.enable()
        _progress(owned, 80)
        finished_at, content_hash = timezone.now(), snapshot_hash(policy_content=run.policy_content, lines=lines)
        with transaction.atomic():
            # The conditional UPDATE first: it locks the row, so of two workers (one whose lease ran
            # out) only the claim holder writes the snapshot.
            if not owned.update(
                status=RunStatus.DONE,
                progress=100,
                finished_at=finished_at,
                participant_count=len(lines),
                content_hash=content_hash,
                open_items=computed.open_items,
                open_lines=computed.open_lines,
            ):
                raise _ClaimLost
            _decisions_copy(run_id=run.id, lines=lines)
        run.status, run.progress, run.finished_at = RunStatus.DONE, 100, finished_at
        run.participant_count, run.content_hash = len(lines), content_hash
        run.open_items, run.open_lines = computed.open_items, computed.open_lines
    except _ClaimLost:
        logger.warning("admission run %s was taken over by another worker; this result is dropped", run_id)
        return None
    except Exception as error:
        # Any error ends the run with its message; the traceback goes to the log.
        if not isinstance(error, ModuleUnavailable | ValidationError | KeyError):
            logger.exception("admission run %s failed", run_id)
        run.status, run.error = RunStatus.FAILED, _failure_message(error)
        owned.update(status=RunStatus.FAILED, error=run.error, finished_at=timezone.now())
    return run


def admission_runs_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """The periodic safety net: re-queue runs whose worker died (stale claim) or whose task was lost
    (waiting longer than the lease), give up runs out of attempts, and re-queue the e-mails of
    published runs not all sent (a task that ran out of retries). Every task it queues is
    idempotent, so queueing one twice does no harm."""
    from assessments.tasks import admission_revision_notify_task, admission_run_execute_task, admission_run_notify_task

    now = now or timezone.now()
    given_up = _stale_runs_give_up(now=now)
    stale = now - timedelta(seconds=conf.run_lease_seconds())
    run_ids = list(
        _stale_runs(now=now).filter(attempts__lt=conf.run_max_attempts()).values_list("pk", flat=True)
    ) + list(AdmissionRun.objects.filter(status=RunStatus.PENDING, created_at__lt=stale).values_list("pk", flat=True))
    for run_id in run_ids:
        admission_run_execute_task.delay_on_commit(run_id)
    unsent = list(
        AdmissionRun.objects.filter(
            published_at__lt=now - timedelta(seconds=conf.email_claim_seconds()), notified_at__isnull=True
        ).values_list("pk", flat=True)
    )
    for run_id in unsent:
        admission_run_notify_task.delay_on_commit(run_id)
    revisions = list(
        RevisionNotice.objects.filter(
            sent_at__isnull=True, revision__created_at__lt=now - timedelta(seconds=conf.email_claim_seconds())
        )
        .values_list("revision_id", flat=True)
        .distinct()
    )
    for revision_id in revisions:
        admission_revision_notify_task.delay_on_commit(revision_id)
    return {"requeued": len(run_ids), "given_up": given_up, "notify_requeued": len(unsent) + len(revisions)}
