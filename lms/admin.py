from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from lms.models import Application, LevelChange, Participant, Season
from lms.services import participant_level_override


@admin.register(Season)
class SeasonAdmin(admin.ModelAdmin):
    list_display = ["name", "campaign_starts_on", "campaign_ends_on", "education_starts_on", "education_ends_on"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug"]}),
        (_("Application campaign"), {"fields": ["campaign_starts_on", "campaign_ends_on"]}),
        (_("Age check"), {"fields": ["age_reference_date", "min_age", "max_age"]}),
        (
            _("Education block"),
            {"fields": ["education_starts_on", "education_ends_on", "excused_sessions_leave_denominator"]},
        ),
        (_("Interviews"), {"fields": ["interviews_starts_on", "interviews_ends_on"]}),
        (_("Internships"), {"fields": ["internships_starts_on", "internships_ends_on"]}),
        (_("Closing"), {"fields": ["closing_starts_on", "closing_ends_on"]}),
    ]


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["__str__", "email", "region_code", "federal_district", "internship_preference", "submitted_at"]
    list_filter = ["season", "federal_district", "internship_preference", "education_level"]
    search_fields = ["last_name", "first_name", "email"]
    # An application is the applicant's own statement: staff read it, they do not rewrite it.
    readonly_fields = [field.name for field in Application._meta.fields]

    def has_add_permission(self, request):
        return False


class LevelChangeInline(admin.TabularInline):
    model = LevelChange
    extra = 0
    can_delete = False
    readonly_fields = ["changed_at", "from_level", "to_level", "to_track", "rule", "reason", "changed_by"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


class ParticipantAdminForm(forms.ModelForm):
    level_change_reason = forms.CharField(
        label=_("Reason for the level change"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Required when you change the level; kept with your name and the time."),
    )

    class Meta:
        model = Participant
        fields = ["level"]

    def clean(self):
        cleaned = super().clean()
        if "level" in self.changed_data and not cleaned.get("level_change_reason", "").strip():
            raise ValidationError({"level_change_reason": _("Say why the level changes.")})
        return cleaned


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    form = ParticipantAdminForm
    list_display = ["__str__", "season", "level", "track", "placement_rule", "federal_district"]
    list_filter = ["season", "level", "track", "federal_district"]
    search_fields = ["application__last_name", "application__first_name", "user__email"]
    readonly_fields = ["season", "user", "application", "track", "placement_rule", "federal_district", "timezone"]
    fields = [
        "season",
        "user",
        "application",
        "level",
        "level_change_reason",
        "track",
        "placement_rule",
        "federal_district",
        "timezone",
    ]
    inlines = [LevelChangeInline]
    list_select_related = ["application", "season"]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        if "level" in form.changed_data:
            participant_level_override(
                participant=Participant.objects.get(pk=obj.pk),
                level=form.cleaned_data["level"],
                reason=form.cleaned_data["level_change_reason"],
                actor=request.user,
            )
