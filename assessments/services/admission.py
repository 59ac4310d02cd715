import gc
import json
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from operator import attrgetter

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import get_connection, send_mail
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assessments.models import (
    AdmissionDecision,
    AdmissionPolicy,
    AdmissionRun,
    Decision,
    DecisionOverride,
    RunStatus,
)
from assessments.permissions import staff_check
from assessments.policy import Judgement, outcomes_rank, policy_judge
from assessments.scores import PARTICIPANT_ROW_FIELDS, ModuleUnavailable, ParticipantRow, score_modules
from assessments.snapshot import (
    DECISION_COLUMNS,
    JSON_COLUMNS,
    FigureEncoder,
    SnapshotLine,
    canonical,
    reasons_json,
    snapshot_hash,
)
from lms.models import Season, Track
from lms.regions import FederalDistrict
from lms.selectors import participant_list

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
        policy_content=policy.content(),
        started_by=user,
    )
    from assessments.tasks import admission_run_execute_task

    admission_run_execute_task.delay_on_commit(run.id)
    return run


def _progress(run_id: int, percent: int) -> None:
    AdmissionRun.objects.filter(pk=run_id).update(progress=percent)


def admission_outcomes_compute(
    *, season: Season, track: str, policy_content: dict, participants: Sequence[ParticipantRow]
) -> list[SnapshotLine]:
    """Every participant's figures, evidence and decision as snapshot lines, by participant id.
    Texts are rendered in the programme's language and zone, so two runs on the same data write
    the same words.

    Participants with the same figures (the modules hand out shared Figure objects) are judged
    and encoded once: the per-participant work is a few dictionary look-ups."""
    modules = score_modules()
    # Only the modules the policy names: the snapshot holds what the decision rests on.
    names = sorted({rule["module"] for rule in policy_content["rules"]} | set(policy_content.get("weights") or {}))
    with translation.override(settings.LANGUAGE_CODE), timezone.override(settings.TIME_ZONE):
        results = []
        for name in names:
            if name not in modules:
                raise ModuleUnavailable(
                    _("The policy names the score module “%(name)s”, which is not installed.") % {"name": name}
                )
            results.append(modules[name].figures(season=season, track=track, participants=participants))
        judge = policy_judge(
            policy=policy_content, labels={name: str(module.label) for name, module in modules.items()}
        )
        encode = FigureEncoder(names=names)
        # Keyed by the identities of a participant's Figures, which `results` keeps alive.
        combos: dict[tuple, tuple[Judgement, str, str, str]] = {}
        own_combo = {}
        for participant in participants:
            figures = [result[participant.id] for result in results]
            key = tuple(map(id, figures))
            combo = combos.get(key)
            if combo is None:
                judgement = judge(
                    {name: figure.value for name, figure in zip(names, figures)},
                    {name: figure.summary for name, figure in zip(names, figures)},
                )
                combo = combos[key] = (judgement, *encode(figures), canonical(judgement.reasons))
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
    return lines


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


def admission_run_execute(*, run_id: int) -> AdmissionRun | None:
    """Claim a waiting run (a redelivered task finds it claimed and does nothing), compute, store."""
    claimed = AdmissionRun.objects.filter(pk=run_id, status=RunStatus.PENDING).update(
        status=RunStatus.RUNNING, progress=5
    )
    if not claimed:
        return None
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
        _progress(run.id, 20)
        # Millions of short-lived objects (the contracts' answers) would make the cyclic GC rescan
        # them again and again; nothing here makes cycles, so it waits until the run is computed.
        gc.disable()
        try:
            lines = admission_outcomes_compute(
                season=run.season, track=run.track, policy_content=run.policy_content, participants=participants
            )
        finally:
            gc.enable()
        _progress(run.id, 80)
        with transaction.atomic():
            _decisions_copy(run_id=run.id, lines=lines)
            run.status, run.progress, run.finished_at = RunStatus.DONE, 100, timezone.now()
            run.participant_count = len(lines)
            run.content_hash = snapshot_hash(policy_content=run.policy_content, lines=lines)
            run.save(update_fields=["status", "progress", "finished_at", "participant_count", "content_hash"])
    except (ModuleUnavailable, ValidationError, KeyError) as error:
        run.status, run.error = RunStatus.FAILED, str(error)
        run.save(update_fields=["status", "error"])
    return run


@transaction.atomic
def decision_override_add(
    *, decision: AdmissionDecision, value: str, justification: str, user: AbstractBaseUser
) -> DecisionOverride:
    staff_check(user=user)
    errors = {}
    if value not in Decision.values:
        errors["decision"] = [_("Choose one of: %(values)s.") % {"values": ", ".join(Decision.values)}]
    if not (justification or "").strip():
        errors["justification"] = [_("Say why you override the computed decision.")]
    if errors:
        raise ValidationError(errors)
    override = DecisionOverride(decision=decision, value=value, justification=justification.strip(), created_by=user)
    override.full_clean()
    override.save()
    return override


@transaction.atomic
def admission_run_publish(*, run: AdmissionRun, user: AbstractBaseUser) -> AdmissionRun:
    staff_check(user=user)
    run = AdmissionRun.objects.select_for_update().get(pk=run.pk)
    if run.status != RunStatus.DONE:
        raise ValidationError({"run": _("Only a finished run can be published.")})
    if run.published_at is not None:
        raise ValidationError({"run": _("This run is already published.")})
    run.published_at, run.published_by = timezone.now(), user
    run.save(update_fields=["published_at", "published_by"])
    from assessments.tasks import admission_run_notify_task

    admission_run_notify_task.delay_on_commit(run.id)
    return run


def admission_run_notify(*, run_id: int, now: datetime | None = None) -> int:
    """E-mail each participant of a published run their decision; returns the number sent."""
    from assessments.selectors.admission import decisions_effective

    claimed = AdmissionRun.objects.filter(pk=run_id, published_at__isnull=False, notified_at__isnull=True).update(
        notified_at=now or timezone.now()
    )
    if not claimed:
        return 0
    run = AdmissionRun.objects.select_related("season").get(pk=run_id)
    sent = 0
    connection = get_connection()
    with translation.override(settings.LANGUAGE_CODE):
        for row in decisions_effective(run=run):
            if not row["email"]:
                continue
            body = "\n".join(
                [
                    _("The admission to the interviews of %(season)s is decided.") % {"season": run.season.name},
                    _("Your decision: %(decision)s.") % {"decision": Decision(row["effective"]).label},
                    "",
                    *row["reasons"],
                ]
            )
            send_mail(
                _("Admission to the interviews"),
                body,
                settings.DEFAULT_FROM_EMAIL,
                [row["email"]],
                connection=connection,
            )
            sent += 1
    return sent
