from allauth.mfa import admin as mfa_admin  # noqa: F401 - imported so that its registration can be undone here
from allauth.mfa.models import Authenticator
from allauth.socialaccount import admin as socialaccount_admin  # noqa: F401 - its registrations are undone here
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django import forms
from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from knox import admin as knox_admin  # noqa: F401 - imported so that its registration can be undone here
from knox.models import AuthToken

from lms import roles
from lms.models import Application, LevelChange, Participant, RoleChange, Season
from lms.selectors import participants_with_earlier_seasons
from lms.services import participant_level_override, roles_grantable_by, user_role_change

# No page lists API tokens: knox keeps only digests, and a token listing invites revoking or
# "creating" tokens for others. People revoke their own through the API (auth/logout, logoutall).
admin.site.unregister(AuthToken)
# allauth's page for second factors shows their `data`: the app's secret key, the recovery codes' seed.
admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(admin.ModelAdmin):
    """Who has which second factor, for a superuser to remove one that is lost (the person sets up a
    new app at their next login). No field shows a secret (`data` is on no page), none is edited,
    none is added here: people set up their own, on the site."""

    list_display = ["user", "type", "created_at", "last_used_at"]
    list_filter = ["type"]
    search_fields = ["user__username", "user__email"]
    fields = ["user", "type", "created_at", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# Nor social tokens and provider secrets: the secrets live in the environment only (the adapter
# reads no app from the table) and no token is kept (SOCIALACCOUNT_STORE_TOKENS).
admin.site.unregister(SocialApp)
admin.site.unregister(SocialToken)
admin.site.unregister(SocialAccount)


@admin.register(SocialAccount)
class SocialAccountAdmin(admin.ModelAdmin):
    """Who is connected to which provider account, for support (a person who lost their VK or Yandex
    account): read-only, without the profile fields kept from the provider; a connection may be
    deleted (its owner then logs in by password, or sets one through the reset)."""

    list_display = ["user", "provider", "uid", "date_joined", "last_login"]
    list_filter = ["provider"]
    search_fields = ["uid", "user__username", "user__email"]
    fields = ["user", "provider", "uid", "date_joined", "last_login"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


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
        (
            _("Internships"),
            {
                "fields": [
                    "internships_starts_on",
                    "internships_ends_on",
                    "offer_choices_max",
                    "preferences_close_at",
                    "cv_close_at",
                ]
            },
        ),
        (_("Closing"), {"fields": ["closing_starts_on", "closing_ends_on"]}),
    ]


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "email",
        "region_code",
        "federal_district",
        "internship_preference",
        "submitted_at",
        "email_verified_at",
    ]
    # Held applications (their address not yet confirmed) are listed too: "e-mail confirmed at" is empty.
    list_filter = [
        "season",
        ("email_verified_at", admin.EmptyFieldListFilter),
        "federal_district",
        "internship_preference",
        "education_level",
    ]
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
    list_display = ["__str__", "season", "level", "track", "placement_rule", "federal_district", "earlier_seasons"]
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

    def get_queryset(self, request):
        return participants_with_earlier_seasons(participants=super().get_queryset(request))

    @admin.display(description=_("Earlier seasons"))
    def earlier_seasons(self, obj) -> str:
        # The changelist's annotation; the change page's object has it too (same queryset).
        return ", ".join(obj.earlier_season_names) or "—"

    def save_model(self, request, obj, form, change):
        if "level" in form.changed_data:
            participant_level_override(
                participant=Participant.objects.get(pk=obj.pk),
                level=form.cleaned_data["level"],
                reason=form.cleaned_data["level_change_reason"],
                actor=request.user,
            )


User = get_user_model()
admin.site.unregister(User)


class UserRolesForm(auth_admin.UserChangeForm):
    """The user page's programme roles: each change goes through `user_role_change`, with the reason."""

    actor = None  # set per request by UserAdmin.get_form
    roles = forms.MultipleChoiceField(
        label=_("Programme roles"),
        choices=list(roles.ROLES.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    role_change_reason = forms.CharField(
        label=_("Reason for the role change"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Required when you give or take a role; kept with your name and the time."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.held = set(self.instance.groups.filter(name__in=roles.ROLES).values_list("name", flat=True))
        self.fields["roles"].initial = sorted(self.held)

    def role_changes(self) -> dict[str, bool]:
        wanted = set(self.cleaned_data.get("roles") or [])
        return {role: role in wanted for role in sorted(wanted ^ self.held)}

    def clean(self):
        cleaned = super().clean()
        changes = self.role_changes()
        grantable = roles_grantable_by(actor=self.actor)
        refused = [str(roles.ROLES[role]) for role in changes if role not in grantable]
        if refused:
            raise ValidationError(
                {"roles": _("Only a superuser can give or take: %(roles)s.") % {"roles": ", ".join(refused)}}
            )
        if changes and not cleaned.get("role_change_reason", "").strip():
            raise ValidationError({"role_change_reason": _("Say why the role changes.")})
        return cleaned


@admin.register(User)
class UserAdmin(auth_admin.UserAdmin):
    """Programme staff manage people's names, activity and ordinary roles; superuser status,
    staff status, individual permissions, groups beyond the roles, identity (username, e-mail, which
    a password reset goes to) and passwords are a superuser's. Other staff and superusers are only
    shown to them: nobody lower edits someone higher."""

    form = UserRolesForm
    superuser_only_fields = ["username", "email", "is_staff", "is_superuser", "groups", "user_permissions"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None:
            return form
        return type(form.__name__, (form,), {"actor": request.user})

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return super().get_fieldsets(request, obj)
        role_fields = (_("Programme roles"), {"fields": ["roles", "role_change_reason"]})
        if request.user.is_superuser:
            account = ["is_active", "is_staff", "is_superuser", "user_permissions"]
            return [
                (None, {"fields": ["username", "password"]}),
                (_("Personal info"), {"fields": ["first_name", "last_name", "email"]}),
                (_("Permissions"), {"fields": account}),
                role_fields,
                (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
            ]
        return [
            (None, {"fields": ["username"]}),
            (_("Personal info"), {"fields": ["first_name", "last_name", "email"]}),
            (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser"]}),
            role_fields,
            (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        readonly = ["last_login", "date_joined"]
        if not request.user.is_superuser:
            readonly += self.superuser_only_fields
        return readonly

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        if obj is None or request.user.is_superuser:
            return True
        return not (obj.is_superuser or obj.is_staff or obj.groups.filter(name=roles.STAFF).exists())

    def user_change_password(self, request, id, form_url=""):
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if isinstance(form, UserRolesForm):
            for role, grant in form.role_changes().items():
                user_role_change(
                    user=form.instance,
                    role=role,
                    grant=grant,
                    reason=form.cleaned_data["role_change_reason"],
                    actor=request.user,
                )


@admin.register(RoleChange)
class RoleChangeAdmin(admin.ModelAdmin):
    """The role audit, read only: rows are written by the role service alone."""

    list_display = ["changed_at", "user", "action", "role", "changed_by", "reason"]
    list_filter = ["role", "action"]
    search_fields = ["user__username", "changed_by__username"]
    list_select_related = ["user", "changed_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
