from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.models import (
    AdmissionDecision,
    AdmissionEvidence,
    AdmissionPolicy,
    AdmissionRun,
    DecisionOverride,
    ExpertAssignment,
    ExpertProfile,
    Interview,
    InterviewPlan,
    InterviewSheet,
    InterviewSlot,
    OfflineMeeting,
    Question,
    QuestionBank,
    Quiz,
)
from assessments.selectors.admission import SharedEvidence, rule_modules_of
from assessments.selectors.slots import slot_overlapping
from assessments.services.admission_policy import admission_policy_save, admission_policy_validate


class QuestionInline(admin.StackedInline):
    model = Question
    extra = 0


@admin.register(QuestionBank)
class QuestionBankAdmin(admin.ModelAdmin):
    inlines = [QuestionInline]


@admin.register(Quiz)
class QuizAdmin(admin.ModelAdmin):
    list_display = ["title", "season", "track", "required", "diagnostic_phase", "closes_at"]
    list_filter = ["season", "track", "required", "diagnostic_phase"]
    filter_horizontal = ["banks"]


class AdmissionPolicyForm(forms.ModelForm):
    class Meta:
        model = AdmissionPolicy
        fields = ["season", "track", "rules", "borderline_band", "weights", "capacity", "capacity_scope"]

    def clean(self):
        cleaned = super().clean()
        candidate = AdmissionPolicy(pk=self.instance.pk, **cleaned)
        candidate._state.adding = self.instance._state.adding
        try:
            admission_policy_validate(policy=candidate)
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from error
        return cleaned


@admin.register(AdmissionPolicy)
class AdmissionPolicyAdmin(admin.ModelAdmin):
    form = AdmissionPolicyForm
    list_display = ["season", "track", "version", "updated_at", "updated_by"]
    readonly_fields = ["version", "updated_at", "updated_by"]

    def save_model(self, request, obj, form, change):
        # Through the service, so every edit bumps the version.
        admission_policy_save(policy=obj, user=request.user)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AdmissionRun)
class AdmissionRunAdmin(ReadOnlyAdmin):
    list_display = ["id", "season", "track", "status", "policy_version", "participant_count", "published_at"]


@admin.register(AdmissionDecision)
class AdmissionDecisionAdmin(ReadOnlyAdmin):
    list_display = ["run", "participant", "decision", "rank", "score"]
    list_filter = ["run", "decision"]
    readonly_fields = ["reasons_as_judged"]

    @admin.display(description=gettext_lazy("reasons"))
    def reasons_as_judged(self, decision: AdmissionDecision) -> str:
        # The line put back together from the evidence it shares with the run's other lines.
        return " ".join(
            SharedEvidence.of_lines([decision.evidence_ids]).reasons(
                evidence_ids=decision.evidence_ids,
                rank_reason=decision.rank_reason,
                rule_modules=rule_modules_of(decision.run),
            )
        )


@admin.register(AdmissionEvidence)
class AdmissionEvidenceAdmin(ReadOnlyAdmin):
    list_display = ["id", "run", "module"]
    list_filter = ["run", "module"]


@admin.register(DecisionOverride)
class DecisionOverrideAdmin(ReadOnlyAdmin):
    list_display = ["decision", "value", "created_by", "created_at"]


@admin.register(ExpertAssignment)
class ExpertAssignmentAdmin(admin.ModelAdmin):
    list_display = ["expert", "participant"]


@admin.register(InterviewPlan)
class InterviewPlanAdmin(admin.ModelAdmin):
    list_display = ["season", "offers_online", "offers_offline", "cancel_cutoff_hours"]


class InterviewSlotForm(forms.ModelForm):
    class Meta:
        model = InterviewSlot
        fields = ["season", "expert", "starts_at", "ends_at", "published", "meeting_url", "room"]

    def clean(self):
        data = super().clean()
        expert, starts_at, ends_at = data.get("expert"), data.get("starts_at"), data.get("ends_at")
        # Staff fixing a slot here keep the rule the experts' own page keeps: no overlapping slots.
        if expert and starts_at and ends_at and data.get("published"):
            other = slot_overlapping(
                expert_id=expert.pk, starts_at=starts_at, ends_at=ends_at, exclude_id=self.instance.pk
            )
            if other is not None:
                raise ValidationError(
                    _("This overlaps the expert's slot %(start)s — %(end)s.")
                    % {
                        "start": date_format(timezone.localtime(other.starts_at), "j E Y, H:i"),
                        "end": date_format(timezone.localtime(other.ends_at), "H:i"),
                    }
                )
        return data


@admin.register(InterviewSlot)
class InterviewSlotAdmin(admin.ModelAdmin):
    """Experts publish their own slots (/expert/availability/); staff can still add or fix one here."""

    form = InterviewSlotForm
    list_display = ["expert", "starts_at", "ends_at", "published", "room", "meeting_url", "season"]
    list_filter = ["season", "published", "expert"]


@admin.register(ExpertProfile)
class ExpertProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "timezone"]


@admin.register(OfflineMeeting)
class OfflineMeetingAdmin(admin.ModelAdmin):
    list_display = ["federal_district", "starts_at", "place", "capacity", "season"]
    list_filter = ["season", "federal_district"]


@admin.register(Interview)
class InterviewAdmin(ReadOnlyAdmin):
    list_display = ["participant", "slot", "meeting", "status", "created_at", "cancelled_at"]
    list_filter = ["status"]


@admin.register(InterviewSheet)
class InterviewSheetAdmin(ReadOnlyAdmin):
    list_display = [
        "interview",
        "expert",
        "presentation_seconds",
        "overrun_seconds",
        "recommended_level",
        "submitted_at",
    ]
