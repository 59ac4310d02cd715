from __future__ import annotations

import gc
import json
import logging
import time
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
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
from assessments.metrics import ADMISSION_RUN_SECONDS
from assessments.models import (
    AdmissionDecision,
    AdmissionEvidence,
    AdmissionRun,
    InterviewResultNotice,
    PlacementNotice,
    RevisionNotice,
    RunStatus,
)
from assessments.permissions import staff_check
from assessments.policy import (
    Judgement,
    RuleVerdict,
    in_rule_order,
    outcomes_rank,
    policy_rules,
    ranking_score,
    verdict_worst,
)
from assessments.scores import (
    PARTICIPANT_ROW_FIELDS,
    ModuleFigure,
    ModuleUnavailable,
    ParticipantRow,
    dates_as_moments,
    score_modules,
)
from assessments.services.admission_policy import admission_policy_applicable, admission_policy_for
from assessments.snapshot import (
    STORED_COLUMNS,
    FigureEncoder,
    SnapshotHash,
    SnapshotLine,
    canonical,
    copy_text,
    reasons_json,
    snapshot_hash,
)
from lms.choices import Track
from lms.regions import FederalDistrict
from lms.selectors import participant_list

if TYPE_CHECKING:
    from lms.models import Season

logger = logging.getLogger(__name__)


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


class EvidenceRow(NamedTuple):
    """A run's AdmissionEvidence row before it is written: JSON columns as canonical text."""

    module: str
    evidence: str
    reasons: str


class ComputedRun(NamedTuple):
    """The snapshot as computed: the lines as judged (what the hash covers), the distinct figures'
    evidence each once, and for each line the positions of its figures' evidence in `evidence`
    (one per module, by module name) and its ranking reason; with what was still open when the
    lines were computed (AdmissionRun's `open_items` and `open_lines`)."""

    lines: list[SnapshotLine]
    evidence: list[EvidenceRow]
    line_evidence: list[tuple[int, ...]]
    rank_reasons: list[str]
    open_items: list[dict]
    open_lines: dict[str, list[dict]]


class _Combination(NamedTuple):
    """What every participant with the same figures shares."""

    judgement: Judgement
    figures_json: str
    evidence_json: bytes
    reasons_json: bytes
    positions: tuple[int, ...]


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

    The rules' verdicts and texts are worked out once per distinct figure of each module, and a
    participant's judgement once per distinct set of figures (equal by value; the modules also
    share the objects): the per-participant work is a few look-ups."""
    modules = score_modules()
    # Only the modules the policy names: the snapshot holds what the decision rests on.
    names = sorted({rule["module"] for rule in policy_content["rules"]} | set(policy_content.get("weights") or {}))
    rule_modules = [rule["module"] for rule in policy_content["rules"]]
    participants = sorted(participants, key=attrgetter("id"))
    with translation.override(settings.LANGUAGE_CODE), timezone.override(settings.TIME_ZONE), dates_as_moments():
        assessments = []
        for name in names:
            if name not in modules:
                raise ModuleUnavailable(
                    _("The policy names the score module “%(name)s”, which is not installed.") % {"name": name}
                )
            assessments.append(modules[name].assess(season=season, track=track, participants=participants, now=now))
        verdicts_of = policy_rules(
            policy=policy_content, labels={name: str(module.label) for name, module in modules.items()}
        )
        encode = FigureEncoder(names=names)
        evidence: list[EvidenceRow] = []
        # Per module: figure (by value) → its position in `evidence` and the rules' verdicts on it.
        known: list[dict[ModuleFigure, tuple[int, tuple[RuleVerdict, ...]]]] = [{} for _name in names]

        def entry(index: int, figure: ModuleFigure) -> tuple[int, tuple[RuleVerdict, ...]]:
            found = known[index].get(figure)
            if found is None:
                verdicts = verdicts_of(names[index], figure.value, figure.summary)
                found = known[index][figure] = (len(evidence), verdicts)
                evidence.append(
                    EvidenceRow(
                        names[index],
                        encode.evidence_json(figure),
                        canonical([verdict.reason for verdict in verdicts]),
                    )
                )
            return found

        def combination(figures: tuple[ModuleFigure, ...]) -> _Combination:
            entries = [entry(index, figure) for index, figure in enumerate(figures)]
            verdicts = in_rule_order(
                rule_modules=rule_modules, by_module={name: own for name, (_at, own) in zip(names, entries)}
            )
            reasons = [verdict.reason for verdict in verdicts]
            judgement = Judgement(
                verdict_worst(verdict.decision for verdict in verdicts),
                reasons,
                ranking_score(
                    figures={name: figure.value for name, figure in zip(names, figures)}, policy=policy_content
                ),
            )
            return _Combination(
                judgement, *encode(figures), canonical(reasons).encode(), tuple(at for at, _own in entries)
            )

        # Keyed by a participant's figures, by value (a figure's hash is computed once).
        combinations: dict[tuple, _Combination] = {}
        own: list[_Combination] = []
        ids = [participant.id for participant in participants]
        for figures in zip(*[list(map(assessment.figures.__getitem__, ids)) for assessment in assessments]):
            found = combinations.get(figures)
            if found is None:
                found = combinations[figures] = combination(figures)
            own.append(found)
        per_district = policy_content.get("capacity_scope") == "district"
        outcomes = outcomes_rank(
            policy=policy_content,
            judged={participant_id: found.judgement for participant_id, found in zip(ids, own)},
            districts={p.id: p.federal_district for p in participants} if per_district else {},
            district_labels={str(k): str(v) for k, v in FederalDistrict.choices},
        )
    lines, rank_reasons = [], []
    for participant, found in zip(participants, own):
        decision, reasons, score, rank = outcomes[participant.id]
        base = found.judgement.reasons
        # The ranking adds at most one reason, after the rules' (outcomes_rank).
        ranked = reasons is not base
        lines.append(
            SnapshotLine(
                participant.id,
                participant.user_id,
                participant.federal_district,
                participant.level,
                found.figures_json,
                found.evidence_json,
                score,
                rank,
                decision,
                reasons_json(reasons=reasons, base=base, base_json=found.reasons_json)
                if ranked
                else found.reasons_json,
            )
        )
        rank_reasons.append(reasons[-1] if ranked else "")
    line_evidence = [found.positions for found in own]
    return ComputedRun(
        lines, evidence, line_evidence, rank_reasons, *_open_parts(names=names, assessments=assessments, now=now)
    )


def _snapshot_write(*, run_id: int, computed: ComputedRun, policy_content: dict) -> str:
    """Write the run's evidence rows (a few hundred, one INSERT), then its decisions, and return
    the run's hash. The decisions go in with one COPY of text written here, in batches, each
    hashed while the database takes it in: at 100,000 lines an INSERT spends most of its time
    quoting parameters on the client, and the driver's row-by-row COPY formatting most of the
    rest. (Django's query counter does not see COPY: it is one statement.)"""
    stored = AdmissionEvidence.objects.bulk_create(
        AdmissionEvidence(
            run_id=run_id, module=row.module, evidence=json.loads(row.evidence), reasons=json.loads(row.reasons)
        )
        for row in computed.evidence
    )
    keys = [canonical(row.module) + ": " + str(row.pk) for row in stored]
    # The same tuple of positions is shared by every line with the same figures.
    ids_json: dict[tuple[int, ...], str] = {}
    for positions in computed.line_evidence:
        if positions not in ids_json:
            ids_json[positions] = "{" + ", ".join(keys[at] for at in positions) + "}"
    lines = list(zip(computed.lines, computed.line_evidence, computed.rank_reasons))
    if connection.vendor != "postgresql":  # the embedded SQLite demo
        AdmissionDecision.objects.bulk_create(
            AdmissionDecision(
                run_id=run_id,
                participant_id=line.participant_id,
                user_id=line.user_id,
                federal_district=line.federal_district,
                level=line.level,
                figures=json.loads(line.figures),
                evidence_ids=json.loads(ids_json[positions]),
                score=line.score,
                rank=line.rank,
                decision=line.decision,
                rank_reason=rank_reason,
            )
            for line, positions, rank_reason in lines
        )
        return snapshot_hash(policy_content=policy_content, lines=computed.lines)
    hashed = SnapshotHash()
    null = "\\N"  # COPY's null
    table = AdmissionDecision._meta.db_table
    statement = f"COPY {table} (run_id, {', '.join(STORED_COLUMNS)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for start in range(0, len(lines), 5000):
            batch = lines[start : start + 5000]
            # Only the ranking reason is free text: the district, level and decision are choices'
            # codes, the figures and evidence ids JSON of module names and numbers.
            copy.write(
                "".join(
                    [
                        f"{run_id}\t{line.participant_id}\t{line.user_id}\t{line.federal_district}\t{line.level}\t"
                        f"{line.figures}\t{ids_json[positions]}\t{line.score!r}\t"
                        f"{null if line.rank is None else line.rank}\t{line.decision}\t"
                        f"{copy_text(rank_reason) if rank_reason else ''}\n"
                        for line, positions, rank_reason in batch
                    ]
                )
            )
            hashed.feed(line for line, _positions, _reason in batch)
    return hashed.hexdigest(policy_content=policy_content)


def _reads_in_bulk() -> None:
    """Inside the run's reading transaction: memory for the score modules' grouping statements
    (ASSESSMENTS_RUN_WORK_MEM), and no JIT compilation, which costs those statements more than it
    saves. SET LOCAL: the connection is back to its own settings at commit."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('work_mem', %s, true), set_config('jit', 'off', true)", [conf.run_work_mem()]
            )


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
    started = time.monotonic()
    run = AdmissionRun.objects.select_related("season").get(pk=run_id)
    try:
        _progress(owned, 20)
        with transaction.atomic():
            _reads_in_bulk()
            # Plain rows, not model instances: 100,000 Participant objects cost seconds.
            participants = list(
                map(
                    ParticipantRow._make,
                    participant_list(season=run.season, track=run.track)
                    .order_by("id")
                    .values_list(*PARTICIPANT_ROW_FIELDS),
                )
            )
            # Millions of short-lived objects would make the cyclic GC rescan them again and again;
            # nothing here makes cycles, so it waits until the run is computed.
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
        with transaction.atomic():
            # The claim first: its conditional UPDATE (renewing the lease) locks the row, so of two
            # workers (one whose lease ran out) only the claim holder writes the snapshot.
            _progress(owned, 80)
            content_hash = _snapshot_write(run_id=run.id, computed=computed, policy_content=run.policy_content)
            finished_at = timezone.now()
            owned.update(
                status=RunStatus.DONE,
                progress=100,
                finished_at=finished_at,
                participant_count=len(lines),
                content_hash=content_hash,
                open_items=computed.open_items,
                open_lines=computed.open_lines,
            )
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
    ADMISSION_RUN_SECONDS.labels(result=run.status).observe(time.monotonic() - started)
    return run


def admission_runs_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """The periodic safety net: re-queue runs whose worker died (stale claim) or whose task was lost
    (waiting longer than the lease), give up runs out of attempts, and re-queue the e-mails of
    published runs not all sent (a task that ran out of retries). Every task it queues is
    idempotent, so queueing one twice does no harm."""
    from assessments.tasks import (
        admission_revision_notify_task,
        admission_run_execute_task,
        admission_run_notify_task,
        interview_results_notify_task,
        placement_run_notify_task,
    )

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
    # The interview results' e-mails ride the same safety net.
    result_seasons = list(
        InterviewResultNotice.objects.filter(
            sent_at__isnull=True, outcome__published_at__lt=now - timedelta(seconds=conf.email_claim_seconds())
        )
        .values_list("outcome__season_id", flat=True)
        .distinct()
    )
    for season_id in result_seasons:
        interview_results_notify_task.delay_on_commit(season_id)
    # And the placement's.
    placement_runs = list(
        PlacementNotice.objects.filter(
            sent_at__isnull=True, run__published_at__lt=now - timedelta(seconds=conf.email_claim_seconds())
        )
        .values_list("run_id", flat=True)
        .distinct()
    )
    for run_id in placement_runs:
        placement_run_notify_task.delay_on_commit(run_id)
    # And the regional dossiers queued but never sent.
    from assessments.services.dossiers import dossiers_sweep

    dossiers_requeued = dossiers_sweep(now=now)
    return {
        "requeued": len(run_ids),
        "given_up": given_up,
        "notify_requeued": len(unsent) + len(revisions) + len(result_seasons) + len(placement_runs) + dossiers_requeued,
    }
