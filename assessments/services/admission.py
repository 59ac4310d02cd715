import gc
import hashlib
import json
from datetime import datetime
from decimal import Decimal

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
from assessments.policy import outcomes_decide
from assessments.scores import ModuleUnavailable, score_modules
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


def snapshot_hash(*, policy_content: dict, rows: list[dict]) -> str:
    canonical = json.dumps({"policy": policy_content, "decisions": rows}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def admission_outcomes_compute(*, season: Season, track: str, policy_content: dict, participants) -> list[dict]:
    """Every participant's figures, evidence and decision as snapshot rows. Texts are rendered in
    the programme's language and zone, so two runs on the same data write the same words."""
    modules = score_modules()
    needed = {rule["module"] for rule in policy_content["rules"]} | set(policy_content.get("weights") or {})
    figures: dict[int, dict[str, float]] = {p.id: {} for p in participants}
    summaries: dict[int, dict[str, str]] = {p.id: {} for p in participants}
    evidence: dict[int, dict[str, dict]] = {p.id: {} for p in participants}
    with translation.override(settings.LANGUAGE_CODE), timezone.override(settings.TIME_ZONE):
        # Only the modules the policy names: the snapshot holds what the decision rests on.
        for name in sorted(needed):
            if name not in modules:
                raise ModuleUnavailable(
                    _("The policy names the score module “%(name)s”, which is not installed.") % {"name": name}
                )
            results = modules[name].figures(season=season, track=track, participants=participants)
            for participant in participants:
                figure = results[participant.id]
                figures[participant.id][name] = figure.value
                summaries[participant.id][name] = figure.summary
                evidence[participant.id][name] = figure.as_json()
        labels = {name: str(module.label) for name, module in modules.items()}
        outcomes = outcomes_decide(
            policy=policy_content,
            figures=figures,
            summaries=summaries,
            labels=labels,
            districts={p.id: p.federal_district for p in participants},
            district_labels={str(k): str(v) for k, v in FederalDistrict.choices},
        )
    return [
        {
            "participant_id": p.id,
            "user_id": p.user_id,
            "federal_district": p.federal_district,
            "level": p.level,
            "figures": figures[p.id],
            "evidence": evidence[p.id],
            "score": outcomes[p.id].score,
            "rank": outcomes[p.id].rank,
            "decision": outcomes[p.id].decision,
            "reasons": outcomes[p.id].reasons,
        }
        for p in sorted(participants, key=lambda p: p.id)
    ]


DECISION_COLUMNS = [
    "participant_id",
    "user_id",
    "federal_district",
    "level",
    "figures",
    "evidence",
    "score",
    "rank",
    "decision",
    "reasons",
]


def _decisions_copy(*, run_id: int, rows: list[dict]) -> None:
    """Write the snapshot with one COPY: at 100,000 lines an INSERT spends most of its time quoting
    parameters on the client. (Django's query counter does not see COPY: it is one statement.)"""
    if connection.vendor != "postgresql":  # the embedded SQLite demo
        AdmissionDecision.objects.bulk_create([AdmissionDecision(run_id=run_id, **row) for row in rows])
        return
    table = AdmissionDecision._meta.db_table
    json_columns = {"figures", "evidence", "reasons"}
    statement = f"COPY {table} (run_id, {', '.join(DECISION_COLUMNS)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(
                [run_id]
                + [
                    json.dumps(row[column], ensure_ascii=False) if column in json_columns else row[column]
                    for column in DECISION_COLUMNS
                ]
            )


def admission_run_execute(*, run_id: int) -> AdmissionRun | None:
    """Claim a waiting run (a redelivered task finds it claimed and does nothing), compute, store."""
    claimed = AdmissionRun.objects.filter(pk=run_id, status=RunStatus.PENDING).update(
        status=RunStatus.RUNNING, progress=5
    )
    if not claimed:
        return None
    run = AdmissionRun.objects.select_related("season").get(pk=run_id)
    try:
        # The modules read the participant and their application form, never the user row.
        participants = list(
            participant_list(season=run.season, track=run.track)
            .select_related(None)
            .select_related("application")
            .order_by("id")
        )
        _progress(run.id, 20)
        # Millions of short-lived objects (the contracts' answers) would make the cyclic GC rescan
        # them again and again; nothing here makes cycles, so it waits until the run is computed.
        gc.disable()
        try:
            rows = admission_outcomes_compute(
                season=run.season, track=run.track, policy_content=run.policy_content, participants=participants
            )
        finally:
            gc.enable()
        _progress(run.id, 80)
        with transaction.atomic():
            _decisions_copy(run_id=run.id, rows=rows)
            run.status, run.progress, run.finished_at = RunStatus.DONE, 100, timezone.now()
            run.participant_count = len(rows)
            run.content_hash = snapshot_hash(policy_content=run.policy_content, rows=rows)
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
