"""Admission decisions share their evidence: each run keeps the distinct figures' evidence (and the
rules' reasons for them) once, in AdmissionEvidence, and a decision refers to its rows and keeps
only its own ranking reason. Existing decisions are moved over, so every run's lines, put back
together, are the lines its hash was computed from. The snapshot's foreign keys lose their
database constraint (see AdmissionDecision), and indexes the unique (run, participant) index
already serves are dropped."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _rule_modules(run) -> list[str]:
    return [rule["module"] for rule in run.policy_content["rules"]]


def evidence_shared(apps, schema_editor):
    AdmissionRun = apps.get_model("assessments", "AdmissionRun")
    AdmissionDecision = apps.get_model("assessments", "AdmissionDecision")
    AdmissionEvidence = apps.get_model("assessments", "AdmissionEvidence")
    for run in AdmissionRun.objects.filter(decisions__isnull=False).distinct().iterator():
        rule_modules = _rule_modules(run)
        stored: dict[tuple, int] = {}
        changed = []
        for decision in AdmissionDecision.objects.filter(run=run).iterator(chunk_size=2000):
            # One reason per rule, in the rules' order, then the ranking's (if any).
            by_module: dict[str, list[str]] = {}
            for module, reason in zip(rule_modules, decision.reasons):
                by_module.setdefault(module, []).append(reason)
            ids = {}
            for module, evidence in decision.evidence.items():
                reasons = by_module.get(module, [])
                key = (module, repr(sorted(evidence.items())), tuple(reasons))
                if key not in stored:
                    stored[key] = AdmissionEvidence.objects.create(
                        run=run, module=module, evidence=evidence, reasons=reasons
                    ).pk
                ids[module] = stored[key]
            decision.evidence_ids = ids
            decision.rank_reason = " ".join(decision.reasons[len(rule_modules) :])
            changed.append(decision)
            if len(changed) == 2000:
                AdmissionDecision.objects.bulk_update(changed, ["evidence_ids", "rank_reason"])
                changed.clear()
        AdmissionDecision.objects.bulk_update(changed, ["evidence_ids", "rank_reason"])


def evidence_copied_back(apps, schema_editor):
    AdmissionRun = apps.get_model("assessments", "AdmissionRun")
    AdmissionDecision = apps.get_model("assessments", "AdmissionDecision")
    AdmissionEvidence = apps.get_model("assessments", "AdmissionEvidence")
    for run in AdmissionRun.objects.filter(decisions__isnull=False).distinct().iterator():
        rule_modules = _rule_modules(run)
        rows = {row.pk: row for row in AdmissionEvidence.objects.filter(run=run)}
        changed = []
        for decision in AdmissionDecision.objects.filter(run=run).iterator(chunk_size=2000):
            own = {module: list(rows[pk].reasons) for module, pk in decision.evidence_ids.items()}
            decision.evidence = {module: rows[pk].evidence for module, pk in decision.evidence_ids.items()}
            decision.reasons = [own[module].pop(0) for module in rule_modules]
            if decision.rank_reason:
                decision.reasons.append(decision.rank_reason)
            changed.append(decision)
            if len(changed) == 2000:
                AdmissionDecision.objects.bulk_update(changed, ["evidence", "reasons"])
                changed.clear()
        AdmissionDecision.objects.bulk_update(changed, ["evidence", "reasons"])
    AdmissionEvidence.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0013_interview_staff_cancel"),
        ("lms", "0005_consents_legacy"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AdmissionEvidence",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("module", models.CharField(max_length=50, verbose_name="score module")),
                ("evidence", models.JSONField(verbose_name="evidence")),
                ("reasons", models.JSONField(default=list, verbose_name="reasons")),
                (
                    "run",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="evidence",
                        to="assessments.admissionrun",
                        verbose_name="run",
                    ),
                ),
            ],
            options={
                "verbose_name": "admission evidence",
                "verbose_name_plural": "admission evidence",
                "ordering": ["run", "module", "id"],
            },
        ),
        migrations.AddField(
            model_name="admissiondecision",
            name="evidence_ids",
            field=models.JSONField(default=dict, verbose_name="evidence"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="admissiondecision",
            name="rank_reason",
            field=models.TextField(blank=True, verbose_name="ranking reason"),
        ),
        migrations.AlterField(
            model_name="admissiondecision",
            name="evidence",
            field=models.JSONField(default=dict, verbose_name="evidence"),
        ),
        migrations.AlterField(
            model_name="admissiondecision",
            name="reasons",
            field=models.JSONField(default=list, verbose_name="reasons"),
        ),
        migrations.RunPython(evidence_shared, evidence_copied_back),
        migrations.RemoveField(model_name="admissiondecision", name="evidence"),
        migrations.RemoveField(model_name="admissiondecision", name="reasons"),
        migrations.AlterField(
            model_name="admissiondecision",
            name="participant",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="lms.participant",
                verbose_name="participant",
            ),
        ),
        migrations.AlterField(
            model_name="admissiondecision",
            name="run",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="decisions",
                to="assessments.admissionrun",
                verbose_name="run",
            ),
        ),
        migrations.AlterField(
            model_name="admissiondecision",
            name="user",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
