"""The core's own part of a person's data: the account, the applications with their consents and
the level history. Registered by LmsConfig.ready() like any app's part."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from lms.models import Application, Consent, LevelChange
from lms.privacy.registry import DataSection, PersonalDataPart
from lms.privacy.services import lms_part_erase
from lms.selectors import REAPPLICATION_FIELDS

# Everything the person told us (the fields a returning applicant's form is filled from), with what
# the service derived from it, in the form's order.
APPLICATION_FIELDS = (*REAPPLICATION_FIELDS, "federal_district", "submitted_at")


def _label(model, name: str):
    return model._meta.get_field(name).verbose_name


def lms_part_export(user_id: int) -> list[DataSection]:
    """Six queries: the account, whether it has an authenticator app, its e-mail addresses, the
    applications (with their season), the consents and the level history. Of two-factor
    authentication only whether it is on: never its secrets."""
    user = get_user_model().objects.get(pk=user_id)
    two_factor = Authenticator.objects.filter(user_id=user_id, type=Authenticator.Type.TOTP).exists()
    account = DataSection(
        "account",
        _("Account"),
        [
            ("username", _("username")),
            ("email", _("e-mail")),
            ("last_name", _("last name")),
            ("first_name", _("first name")),
            ("date_joined", _("registered at")),
            ("last_login", _("last login")),
            ("two_factor", _("two-factor authentication")),
        ],
        [
            {
                "username": user.username,
                "email": user.email,
                "last_name": user.last_name,
                "first_name": user.first_name,
                "date_joined": user.date_joined,
                "last_login": user.last_login,
                "two_factor": two_factor,
            }
        ],
    )
    addresses = EmailAddress.objects.filter(user_id=user_id).order_by("-primary", "email")
    address_section = DataSection(
        "email_addresses",
        _("E-mail addresses"),
        [("email", _("e-mail")), ("verified", _("confirmed")), ("primary", _("primary"))],
        [{"email": item.email, "verified": item.verified, "primary": item.primary} for item in addresses],
    )
    applications = Application.objects.filter(user_id=user_id).select_related("season").order_by("submitted_at", "id")
    application_section = DataSection(
        "applications",
        _("Applications"),
        [("season", _("season"))] + [(name, _label(Application, name)) for name in APPLICATION_FIELDS],
        [
            {"season": application.season.name}
            | {
                name: (
                    getattr(application, f"get_{name}_display")()
                    if getattr(application, name) and hasattr(application, f"get_{name}_display")
                    else getattr(application, name)
                )
                for name in APPLICATION_FIELDS
            }
            for application in applications
        ],
    )
    consents = Consent.objects.filter(application__user_id=user_id).select_related("application__season")
    consent_section = DataSection(
        "consents",
        _("Consents"),
        [
            ("season", _("season")),
            ("purpose", _("purpose")),
            ("text_version", _("text version")),
            ("given_at", _("given at")),
            ("withdrawn_at", _("withdrawn at")),
        ],
        [
            {
                "season": consent.application.season.name,
                "purpose": consent.get_purpose_display(),
                "text_version": consent.text_version,
                "given_at": consent.given_at,
                "withdrawn_at": consent.withdrawn_at,
            }
            for consent in consents
        ],
    )
    changes = LevelChange.objects.filter(participant__user_id=user_id).select_related("participant__season")
    level_section = DataSection(
        "level_history",
        _("Level history"),
        [
            ("season", _("season")),
            ("from_level", _("from level")),
            ("to_level", _("to level")),
            ("rule", _("rule")),
            ("reason", _("reason")),
            ("changed_at", _("changed at")),
        ],
        [
            {
                "season": change.participant.season.name,
                "from_level": change.get_from_level_display(),
                "to_level": change.get_to_level_display(),
                "rule": change.rule,
                "reason": change.reason,
                "changed_at": change.changed_at,
            }
            for change in changes
        ],
    )
    return [account, address_section, application_section, consent_section, level_section]


LMS_PART = PersonalDataPart("lms", _("Application and programme"), lms_part_export, lms_part_erase, order=10)
