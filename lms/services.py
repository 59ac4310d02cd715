from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from lms import roles
from lms.ages import age_on
from lms.middleware import SESSION_TIMEZONE_KEY
from lms.models import LEVEL_TRACK, Application, Level, LevelChange, Participant, Season
from lms.placement import placement_rule_for
from lms.regions import RUSSIAN_TIMEZONES, region_get
from lms.selectors import programme_today

if TYPE_CHECKING:
    from lms.extensions import DeadlineExtensionBase


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
    personal_data_consent: bool
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
    if not data.personal_data_consent:
        add("personal_data_consent", _("We cannot accept an application without consent to process personal data."))
    if data.state_service_years and not data.in_state_service:
        add("state_service_years", _("Years of service are only asked of those who work in state service."))
    duplicates = Application.objects.filter(season=season, email__iexact=data.email)
    if user is not None:
        duplicates = duplicates | Application.objects.filter(season=season, user=user)
    if duplicates.exists():
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
    """Register (when `user` is None) and apply in one step, then place the applicant in a level.

    Raises ValidationError with per-field messages; nothing is stored then. The confirmation
    e-mail is queued only once the transaction commits."""
    today = today or programme_today()
    data = ApplicationData(**{**data.__dict__, "email": data.email.strip().lower()})
    errors = _application_errors(season=season, data=data, user=user, today=today)
    User = get_user_model()
    if user is None:
        if User.objects.filter(username__iexact=data.email).exists():
            errors.setdefault("email", []).append(_("An account with this e-mail exists: log in first, then apply."))
        candidate = User(username=data.email, email=data.email, first_name=data.first_name, last_name=data.last_name)
        try:
            validate_password(password, user=candidate)
        except ValidationError as error:
            errors.setdefault("password", []).extend(error.messages)
    if errors:
        raise ValidationError(errors)

    if user is None:
        user = User.objects.create_user(
            username=data.email,
            email=data.email,
            password=password,
            first_name=data.first_name,
            last_name=data.last_name,
        )
    region = region_get(data.region_code)
    application = Application(
        season=season,
        user=user,
        federal_district=region.district,
        **{**data.__dict__, "timezone": data.timezone or region.timezone},
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
    participant_enrol(application=application)
    user.groups.add(Group.objects.get_or_create(name=roles.PARTICIPANT)[0])

    from lms.tasks import application_confirmation_send_task

    application_confirmation_send_task.delay_on_commit(application.id)
    return application


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
