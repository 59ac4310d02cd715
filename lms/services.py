import logging
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from lms import roles
from lms.accounts import account_create, email_address_ensure, email_verified_for
from lms.ages import age_on
from lms.middleware import SESSION_TIMEZONE_KEY
from lms.models import (
    LEVEL_TRACK,
    Application,
    Citizenship,
    ConsentPurpose,
    Level,
    LevelChange,
    Participant,
    RoleChange,
    Season,
)
from lms.placement import placement_rule_for
from lms.privacy.services import consents_record
from lms.regions import RUSSIAN_TIMEZONES, region_get
from lms.selectors import programme_today, user_has_role

if TYPE_CHECKING:
    from lms.extensions import DeadlineExtensionBase

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ApplicationData:
    last_name: str
    first_name: str
    email: str
    date_of_birth: date
    region_code: str
    education_level: str
    institution: str
    internship_preference: str
    internship_reason: str
    # Consent to taking part in the season (required); the later uses are optional purposes.
    personal_data_consent: bool
    citizenship: str
    patronymic: str = ""
    timezone: str = ""
    studies_public_administration: bool = False
    in_state_service: bool = False
    state_service_years: Decimal = Decimal("0")
    youth_organisations: bool = False
    own_projects: bool = False
    government_internships: bool = False
    youth_government_member: bool = False
    experience_details: str = ""
    reuse_consent: bool = False
    talent_pool_consent: bool = False


# What ApplicationData carries beyond the Application's fields: stored as Consent rows.
CONSENT_FLAGS = ("reuse_consent", "talent_pool_consent")


def _human_date(day: date) -> str:
    return date_format(day, "j E Y")


def season_ensure(*, slug: str, **fields) -> Season:
    """A season by its slug, created (validated) from `fields` when missing: the demo seeds use it."""
    season = Season.objects.filter(slug=slug).first()
    if season is None:
        season = Season(slug=slug, **fields)
        season.full_clean()
        season.save()
    return season


def _application_errors(*, season: Season, data: ApplicationData, user: AbstractBaseUser | None, today: date) -> dict:
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not season.campaign_open_on(today):
        add(
            "season",
            _("Applications to %(season)s are accepted from %(starts)s to %(ends)s.")
            % {
                "season": season.name,
                "starts": _human_date(season.campaign_starts_on),
                "ends": _human_date(season.campaign_ends_on),
            },
        )
    age = age_on(born=data.date_of_birth, on=season.age_reference_date)
    if not season.min_age <= age <= season.max_age:
        add(
            "date_of_birth",
            _("Applicants must be %(min)s to %(max)s years old on %(date)s; you would be %(age)s.")
            % {
                "min": season.min_age,
                "max": season.max_age,
                "date": _human_date(season.age_reference_date),
                "age": age,
            },
        )
    if region_get(data.region_code) is None:
        add("region_code", _("“%(code)s” is not a region of the Russian Federation.") % {"code": data.region_code})
    if data.timezone and data.timezone not in RUSSIAN_TIMEZONES:
        add("timezone", _("“%(tz)s” is not a Russian time zone.") % {"tz": data.timezone})
    if data.citizenship not in Citizenship.values:
        add("citizenship", _("Say whether you are a citizen of the Russian Federation."))
    elif data.citizenship != Citizenship.RUSSIAN:
        add(
            "citizenship",
            _(
                "The programme is open to citizens of the Russian Federation only, so we cannot accept "
                "your application."
            ),
        )
    if not data.personal_data_consent:
        add("personal_data_consent", _("We cannot accept an application without consent to process personal data."))
    if data.state_service_years and not data.in_state_service:
        add("state_service_years", _("Years of service are only asked of those who work in state service."))
    # Only the applicant's own earlier application is named: whether anyone else applied with this
    # address is never said (the address's owner is told by e-mail instead: lms.accounts).
    if user is not None and Application.objects.filter(season=season, user=user).exists():
        add("email", _("You have already applied to %(season)s.") % {"season": season.name})
    return errors


@transaction.atomic
def application_submit(
    *,
    season: Season,
    data: ApplicationData,
    user: AbstractBaseUser | None = None,
    password: str = "",
    today: date | None = None,
) -> Application:
    """Apply, registering an account first when `user` is None. The application counts at once
    when its address is already confirmed as the applicant's (application_count); otherwise it is
    held until they follow the link the caller sends (lms.accounts.email_verification_send).

    Whoever else holds the address changes nothing here: a new account is made and the answer is
    the same, so the form tells a stranger nothing, and a held application with someone else's
    address blocks nobody (only counted ones are unique per address and season).

    Raises ValidationError with per-field messages; nothing is stored then. The confirmation
    e-mail is queued only once the transaction commits."""
    today = today or programme_today()
    data = ApplicationData(**{**data.__dict__, "email": data.email.strip().lower()})
    errors = _application_errors(season=season, data=data, user=user, today=today)
    if user is None:
        User = get_user_model()
        candidate = User(username=data.email, email=data.email, first_name=data.first_name, last_name=data.last_name)
        try:
            validate_password(password, user=candidate)
        except ValidationError as error:
            errors.setdefault("password", []).extend(error.messages)
    if errors:
        raise ValidationError(errors)

    if user is None:
        user = account_create(email=data.email, password=password, first_name=data.first_name, last_name=data.last_name)
    else:
        email_address_ensure(user=user, email=data.email)
    region = region_get(data.region_code)
    fields = {name: value for name, value in data.__dict__.items() if name not in CONSENT_FLAGS}
    application = Application(
        season=season,
        user=user,
        federal_district=region.district,
        **{**fields, "timezone": data.timezone or region.timezone},
    )
    application.full_clean()
    try:
        # The savepoint keeps the outer transaction usable when a concurrent twin wins the race.
        with transaction.atomic():
            application.save()
    except IntegrityError as error:
        raise ValidationError(
            {"email": [_("You have already applied to %(season)s.") % {"season": season.name}]}
        ) from error
    consents_record(
        application=application,
        purposes=[
            purpose
            for purpose, given in (
                (ConsentPurpose.PARTICIPATION, data.personal_data_consent),
                (ConsentPurpose.REUSE, data.reuse_consent),
                (ConsentPurpose.TALENT_POOL, data.talent_pool_consent),
            )
            if given
        ],
        at=application.submitted_at,
    )
    if email_verified_for(user=user, email=data.email):
        application_count(application=application, today=today)
    return application


def application_count(*, application: Application, today: date | None = None) -> bool:
    """Count a held application, its address now confirmed as the applicant's: they are placed in
    a level (participant_enrol), get the participant role and, once committed, the confirmation
    e-mail. Only while the season's campaign is open (a link followed after it closed counts for
    nothing), and only if no other counted application of the season holds the address. Returns
    whether it counts now."""
    today = today or programme_today()
    if not application.season.campaign_open_on(today):
        return False
    with transaction.atomic():
        locked = Application.objects.select_for_update().select_related("user").get(pk=application.pk)
        if locked.email_verified_at is not None:
            return False
        locked.email_verified_at = timezone.now()
        try:
            with transaction.atomic():
                locked.save(update_fields=["email_verified_at"])
        except IntegrityError:
            logger.warning("application %s stays held: another counted application has its address", locked.pk)
            return False
        participant_enrol(application=locked)
        locked.user.groups.add(Group.objects.get_or_create(name=roles.PARTICIPANT)[0])

        from lms.tasks import application_confirmation_send_task

        application_confirmation_send_task.delay_on_commit(locked.id)
    application.email_verified_at = locked.email_verified_at
    return True


def application_held_message(*, application: Application) -> str:
    """What a held applicant is told, in the same words whoever holds the address: a link, or its
    owner's notice, went to it."""
    return _(
        "Your application is held until you confirm your e-mail address: we sent a link to %(email)s. "
        "It counts once you follow it."
    ) % {"email": application.email}


def applications_count_for_address(
    *, user: AbstractBaseUser, email: str, today: date | None = None
) -> list[Application]:
    """Count the held applications of `user` made with `email`, which they just confirmed."""
    held = Application.objects.held().filter(user=user, email__iexact=email, erased_at__isnull=True)
    return [
        application
        for application in held.select_related("season").order_by("submitted_at", "id")
        if application_count(application=application, today=today)
    ]


def participant_enrol(*, application: Application) -> Participant:
    rule = placement_rule_for(application)
    participant = Participant(
        season=application.season,
        user=application.user,
        application=application,
        level=rule.level,
        track=LEVEL_TRACK[rule.level],
        placement_rule=rule.code,
        region_code=application.region_code,
        federal_district=application.federal_district,
        timezone=application.timezone,
    )
    participant.full_clean(exclude=["application"])
    participant.save()
    change = LevelChange(
        participant=participant, from_level="", to_level=participant.level, to_track=participant.track, rule=rule.code
    )
    change.full_clean()
    change.save()
    return participant


@transaction.atomic
def participant_level_override(
    *, participant: Participant, level: str, reason: str, actor: AbstractBaseUser
) -> Participant:
    """Staff move a participant to another level (the expert commission's decision); the track follows."""
    if level not in Level.values:
        raise ValidationError({"level": [_("Unknown level “%(level)s”.") % {"level": level}]})
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why the level changes.")]})
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    if participant.level == level:
        raise ValidationError({"level": [_("The participant is already at this level.")]})
    change = LevelChange(
        participant=participant,
        from_level=participant.level,
        to_level=level,
        to_track=LEVEL_TRACK[level],
        rule="override",
        reason=reason.strip(),
        changed_by=actor,
    )
    change.full_clean()
    participant.level = level
    participant.track = LEVEL_TRACK[level]
    participant.placement_rule = "override"
    participant.full_clean(exclude=["application"])
    participant.save(update_fields=["level", "track", "placement_rule"])
    change.save()
    return participant


def participant_timezone_update(*, participant: Participant, tz: str, session=None) -> Participant:
    """The participant's own zone for showing times; the session copy is what pages read."""
    if tz not in RUSSIAN_TIMEZONES:
        raise ValidationError({"timezone": [_("“%(tz)s” is not a Russian time zone.") % {"tz": tz}]})
    participant.timezone = tz
    participant.full_clean(exclude=["application"])
    participant.save(update_fields=["timezone"])
    if session is not None:
        session[SESSION_TIMEZONE_KEY] = tz
    return participant


def application_confirmation_send(*, application_id: int) -> bool:
    """Send the confirmation once. The conditional UPDATE claims the application, so a retried or
    duplicated task sends nothing the second time. Returns whether this call sent it."""
    claimed = Application.objects.filter(pk=application_id, confirmation_sent_at__isnull=True).update(
        confirmation_sent_at=timezone.now()
    )
    if not claimed:
        return False
    application = Application.objects.select_related("season", "participant").get(pk=application_id)
    with translation.override("ru"):
        context = {"application": application, "participant": application.participant}
        try:
            send_mail(
                subject=_("Your application to %(season)s") % {"season": application.season.name},
                message=render_to_string("lms/email/application_confirmation.txt", context),
                from_email=None,
                recipient_list=[application.email],
            )
        except Exception:
            # Release the claim so the retry can send it.
            Application.objects.filter(pk=application_id).update(confirmation_sent_at=None)
            raise
    return True


def roles_sync() -> None:
    """Create the role groups and grant what every installed app declares for them."""
    for role in roles.ROLES:
        Group.objects.get_or_create(name=role)
    for app_config in apps.get_app_configs():
        for role, codenames in getattr(app_config, "role_permissions", {}).items():
            group = Group.objects.get(name=role)
            for dotted in codenames:
                app_label, codename = dotted.split(".", 1)
                permissions = Permission.objects.filter(content_type__app_label=app_label)
                if codename != "*":
                    permissions = permissions.filter(codename=codename)
                group.permissions.add(*permissions)


def roles_grantable_by(*, actor: AbstractBaseUser) -> tuple[str, ...]:
    """The roles `actor` may give and take: every role for a superuser, the ordinary ones for
    programme staff, none for anyone else."""
    if actor.is_superuser:
        return tuple(roles.ROLES)
    if user_has_role(user=actor, role=roles.STAFF):
        return roles.ORDINARY_ROLES
    return ()


def user_role_change(
    *, user: AbstractBaseUser, role: str, grant: bool, reason: str, actor: AbstractBaseUser
) -> RoleChange | None:
    """Give (`grant`) or take a programme role, with the reason, audited (RoleChange). The one way
    roles change: programme staff may change the ordinary roles, only a superuser the staff role.
    Nothing to change (the user already has, or lacks, the role) writes nothing and returns None.

    Raises PermissionDenied for a role the actor may not give, ValidationError without a reason."""
    if role not in roles.ROLES:
        raise ValidationError({"role": [_("There is no role “%(role)s”.") % {"role": role}]})
    if role not in roles_grantable_by(actor=actor):
        raise PermissionDenied(
            _("Only a superuser can give or take the role “%(role)s”.") % {"role": roles.ROLES[role]}
        )
    group = Group.objects.get(name=role)
    with transaction.atomic():
        holds = user.groups.filter(pk=group.pk).exists()
        if holds == grant:
            return None
        change = RoleChange(
            user=user,
            role=role,
            action=RoleChange.Action.GRANT if grant else RoleChange.Action.REVOKE,
            reason=(reason or "").strip(),
            changed_by=actor,
        )
        if not change.reason:
            raise ValidationError({"reason": [_("Say why the role changes.")]})
        change.full_clean()
        change.save()
        if grant:
            user.groups.add(group)
        else:
            user.groups.remove(group)
    return change


def api_tokens_revoke(*, user: AbstractBaseUser) -> int:
    """Revoke every API token of `user` (all their devices); returns how many there were."""
    from knox.models import get_token_model

    deleted, _by_model = get_token_model().objects.filter(user=user).delete()
    return deleted


def deadline_extension_save(
    *,
    extension: "DeadlineExtensionBase",
    policy_deadline: datetime | None,
    deadline: datetime | None,
    reason: str,
    granted_by: AbstractBaseUser | None,
    errors: dict[str, list] | None = None,
    duplicate_field: str = "user",
    duplicate_message: str | None = None,
) -> "DeadlineExtensionBase":
    """Grant (or change) a deadline extension of any app: the one set of rules — a reason, a
    deadline to extend, only later (an extension never shortens anyone's time) — with who granted
    it. `errors` carries what the caller found wrong with its own fields, so every message comes
    back at once; a second extension where the model allows one is a message on `duplicate_field`."""
    errors = {field: list(messages) for field, messages in (errors or {}).items()}
    if not (reason or "").strip():
        errors.setdefault("reason", []).append(_("Say why the deadline is extended."))
    if policy_deadline is None:
        errors.setdefault("deadline", []).append(_("There is no deadline to extend yet."))
    elif deadline is not None and deadline <= policy_deadline:
        errors.setdefault("deadline", []).append(
            _("An extension can only move the deadline later than %(policy)s.")
            % {"policy": timezone.localtime(policy_deadline).strftime("%d.%m.%Y %H:%M")}
        )
    if errors:
        raise ValidationError(errors)
    extension.deadline = deadline
    extension.policy_deadline = policy_deadline
    extension.reason = reason.strip()
    extension.granted_by = granted_by
    extension.full_clean()
    try:
        with transaction.atomic():
            extension.save()
    except IntegrityError as error:
        raise ValidationError(
            {duplicate_field: [duplicate_message or _("This participant already has such an extension; change it.")]}
        ) from error
    return extension
