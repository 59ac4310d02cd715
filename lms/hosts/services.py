"""Changes to host bodies, their people and their offers, and the season's import.

Every write checks who asks (lms.hosts.permissions), validates with full_clean() (the rules are the
models' constraints) and raises ValidationError with per-field messages, PermissionDenied, or
ConflictError; the pages and the API answer each the same way."""

import secrets
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from lms import roles
from lms.errors import ConflictError
from lms.hosts import sheets
from lms.hosts.models import LEVEL_FIELDS, HostBody, HostImport, HostKind, HostMembership, InternshipOffer
from lms.hosts.permissions import host_access_check, host_staff_check
from lms.hosts.selectors import host_find_by_name, offer_find
from lms.models import Season
from lms.selectors import user_has_role, user_is_staff
from lms.services import user_role_change
from lms.text import text_require_storable

HOST_FIELDS = ("name", "kind", "region_code", "address", "phone", "email", "website", "active")
OFFER_FIELDS = (
    "title",
    "seats",
    "starts_on",
    "ends_on",
    "levels",
    "pro_other_regions",
    "other_regions_cap",
    "description",
    "length_override_reason",
)


def _assign(instance, values: dict, allowed: tuple[str, ...]) -> None:
    unknown = set(values) - set(allowed)
    if unknown:
        raise ValueError(f"not a field of {type(instance).__name__}: {', '.join(sorted(unknown))}")
    for name, value in values.items():
        if isinstance(value, str):
            value = value.strip()
            text_require_storable(value=value, field=name)
        setattr(instance, name, value)


def _save_unique(instance, *, field_name: str, message: str) -> None:
    """Save after full_clean(); a concurrent twin that passed the same check loses at the unique
    index, answered as the same message (the savepoint keeps the caller's transaction usable)."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as error:
        raise ValidationError({field_name: [message]}) from error


# ---------------------------------------------------------------- host bodies


def host_create(*, actor: AbstractBaseUser, fields: dict) -> HostBody:
    """Staff add a body. `fields` are HOST_FIELDS (name and kind required)."""
    host_staff_check(user=actor)
    host = HostBody()
    _assign(host, fields, HOST_FIELDS)
    host.full_clean()
    _save_unique(host, field_name="name", message=_("A body of this name exists."))
    return host


def host_update(*, host: HostBody, actor: AbstractBaseUser, changes: dict) -> HostBody:
    """Staff change a body. A body that stops being a ROIV loses its region (federal bodies have
    none); it may not while one of its offers takes PRO participants from other regions."""
    host_staff_check(user=actor)
    with transaction.atomic():
        host = HostBody.objects.select_for_update().get(pk=host.pk)
        _assign(host, changes, HOST_FIELDS)
        if host.kind != HostKind.ROIV:
            if "region_code" not in changes:
                host.region_code = ""
            if host.offers.filter(pro_other_regions=True).exists():
                raise ValidationError(
                    {
                        "kind": [
                            _(
                                "Offers of this body take PRO participants from other regions, which only a ROIV's "
                                "may: change those offers first."
                            )
                        ]
                    }
                )
        host.full_clean()
        _save_unique(host, field_name="name", message=_("A body of this name exists."))
    return host


# ---------------------------------------------------------------- the people who represent a body


def _person_find(*, login: str) -> AbstractBaseUser | None:
    User = get_user_model()
    people = list(User.objects.filter(Q(username__iexact=login) | Q(email__iexact=login))[:2])
    exact = [person for person in people if person.username.lower() == login.lower()]
    if exact:
        return exact[0]
    if len(people) > 1:
        raise ValidationError({"login": [_("Several accounts have this e-mail: give the person's login.")]})
    return people[0] if people else None


def host_member_add(
    *,
    host: HostBody,
    actor: AbstractBaseUser,
    login: str,
    reason: str,
    position: str = "",
    first_name: str = "",
    last_name: str = "",
) -> HostMembership:
    """Staff make a person a representative of `host`: the `host` role is given (audited, with the
    reason, through lms.services.user_role_change) and the person is linked to this one body.

    `login` is an account's login or e-mail. When no account has it and it is an e-mail, an account
    is created with the names given and a random password: the person sets their own through
    "Forgot your password?" on the login page. A person who already represents another body is
    refused; a link left without the role (the role taken away elsewhere) moves to this body."""
    host_staff_check(user=actor)
    login, reason, position = login.strip(), (reason or "").strip(), position.strip()
    for name, value in (("login", login), ("reason", reason), ("position", position)):
        text_require_storable(value=value, field=name)
    errors: dict[str, list[str]] = {}
    if not login:
        errors["login"] = [_("Give the person's login or e-mail.")]
    if not reason:
        errors["reason"] = [_("Say why the person represents this body.")]
    if len(position) > HostMembership._meta.get_field("position").max_length:
        errors["position"] = [_("The position is too long.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        person = _person_find(login=login)
        if person is None:
            person = _account_create(email=login, first_name=first_name, last_name=last_name)
        current = HostMembership.objects.select_related("host").filter(user=person).first()
        if current is not None and user_has_role(user=person, role=roles.HOST):
            if current.host_id == host.pk:
                raise ValidationError({"login": [_("This person already represents this body.")]})
            raise ValidationError(
                {"login": [_("This person represents “%(host)s”: remove them there first.") % {"host": current.host}]}
            )
        user_role_change(user=person, role=roles.HOST, grant=True, reason=reason, actor=actor)
        membership = current or HostMembership(user=person)
        membership.host, membership.position, membership.added_by = host, position, actor
        membership.full_clean()
        membership.save()
    return membership


def _account_create(*, email: str, first_name: str, last_name: str) -> AbstractBaseUser:
    from django.core.validators import validate_email

    try:
        validate_email(email)
    except ValidationError as error:
        raise ValidationError(
            {"login": [_("No account has this login or e-mail; to create one, give the person's e-mail.")]}
        ) from error
    first_name, last_name = first_name.strip(), last_name.strip()
    if not (first_name and last_name):
        raise ValidationError(
            {"last_name": [_("No account has this e-mail: give the person's last and first name to create one.")]}
        )
    for name, value in (("first_name", first_name), ("last_name", last_name)):
        text_require_storable(value=value, field=name)
    User = get_user_model()
    person = User(username=email.lower(), email=email.lower(), first_name=first_name, last_name=last_name)
    # Nobody knows this password: the person sets their own by the password reset, which Django
    # offers only to accounts with a usable one.
    person.set_password(secrets.token_urlsafe(32))
    person.full_clean(exclude=["password"])
    person.save()
    return person


def host_member_remove(*, membership: HostMembership, actor: AbstractBaseUser, reason: str) -> None:
    """Staff end a person's representation of a body: the `host` role is taken (audited) and the
    link removed."""
    host_staff_check(user=actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the person no longer represents this body.")]})
    with transaction.atomic():
        user_role_change(user=membership.user, role=roles.HOST, grant=False, reason=reason, actor=actor)
        membership.delete()


# ---------------------------------------------------------------- offers


def _offer_assign(*, offer: InternshipOffer, values: dict, actor: AbstractBaseUser) -> None:
    values = dict(values)
    levels = values.pop("levels", None)
    reason = values.pop("length_override_reason", None)
    dates_before = (offer.starts_on, offer.ends_on)
    staff = user_is_staff(user=actor)
    if "other_regions_cap" in values and values["other_regions_cap"] != offer.other_regions_cap and not staff:
        # The cap is the programme's rule for the placement, not the body's.
        raise PermissionDenied(_("Only programme staff may limit the seats for PRO from other regions."))
    _assign(offer, values, OFFER_FIELDS)
    if levels is not None:
        unknown = [level for level in levels if level not in LEVEL_FIELDS]
        if unknown:
            raise ValidationError({"levels": [_("Unknown level “%(level)s”.") % {"level": unknown[0]}]})
        for level, name in LEVEL_FIELDS.items():
            setattr(offer, name, level in levels)
    if reason is not None:
        reason = reason.strip()
        text_require_storable(value=reason, field="length_override_reason")
        if reason and not staff:
            raise PermissionDenied(_("Only programme staff may agree another length of an internship."))
        if reason != offer.length_override_reason:
            offer.length_override_reason = reason
            offer.length_override_by = actor if reason else None
    elif not staff and offer.pk and (offer.starts_on, offer.ends_on) != dates_before:
        # Staff agreed another length for the dates they saw; new dates need their word again.
        offer.length_override_reason, offer.length_override_by = "", None


def _offer_dates_checked(offer: InternshipOffer) -> None:
    # The form or the API may hand over anything; a wrong type must end in a 400, not in a 500.
    for name in ("starts_on", "ends_on"):
        if not isinstance(getattr(offer, name), date):
            raise ValidationError({name: [_("Enter a date.")]})


def offer_create(*, host: HostBody, season: Season, actor: AbstractBaseUser, fields: dict) -> InternshipOffer:
    """Staff, or the body's own people, add an offer of `host` for `season`. `fields` are
    OFFER_FIELDS; `levels` a list of Level values; `length_override_reason` staff's only."""
    host_access_check(user=actor, host=host)
    if not host.active:
        raise ValidationError({"host": [_("“%(host)s” is inactive: it takes no new offers.") % {"host": host}]})
    offer = InternshipOffer(host=host, season=season, created_by=actor)
    _offer_assign(offer=offer, values=fields, actor=actor)
    _offer_dates_checked(offer)
    offer.full_clean()
    _save_unique(offer, field_name="title", message=_("This body already has an offer of this title in the season."))
    return offer


def offer_update(*, offer: InternshipOffer, actor: AbstractBaseUser, changes: dict) -> InternshipOffer:
    """Staff, or the body's own people, change an offer (not its body or season)."""
    host_access_check(user=actor, host=offer.host)
    with transaction.atomic():
        offer = InternshipOffer.objects.select_for_update().select_related("host", "season").get(pk=offer.pk)
        _offer_assign(offer=offer, values=changes, actor=actor)
        _offer_dates_checked(offer)
        offer.full_clean()
        _save_unique(
            offer, field_name="title", message=_("This body already has an offer of this title in the season.")
        )
    return offer


# ---------------------------------------------------------------- the season's import


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str


@dataclass(frozen=True)
class ImportLine:
    line: int
    host: str
    host_action: str  # "created", "updated", "unchanged"
    offer: str = ""
    offer_action: str = ""  # "created", "updated", "" (the row names a body only)


@dataclass
class ImportReport:
    lines: list[ImportLine] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    applied: bool = False

    def count(self, what: str, action: str) -> int:
        return sum(1 for line in self.lines if getattr(line, f"{what}_action") == action)

    @property
    def summary(self) -> dict[str, int]:
        return {
            f"{what}s_{action}": self.count(what, action)
            for what in ("host", "offer")
            for action in ("created", "updated")
        }


def _reason(error: ValidationError) -> str:
    """A refused row's reason, each message after the column it concerns."""
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    parts = []
    for name, messages in error.message_dict.items():
        column = sheets.FIELD_COLUMNS.get(name, name)
        known = column in {item.key for item in sheets.COLUMNS}
        prefix = f"{sheets.column_label(column)}: " if known else ""
        parts.append(prefix + " ".join(messages))
    return "; ".join(parts)


class _Rows:
    """What the rows before told about each body and offer: a later row may repeat a body's values,
    not contradict them, and may not name the same offer twice."""

    def __init__(self):
        self.hosts: dict[str, tuple[int, dict]] = {}
        self.offers: dict[tuple[str, str], int] = {}

    def host_values(self, *, line: int, name: str, values: dict) -> None:
        key = name.lower()
        first_line, seen = self.hosts.setdefault(key, (line, {}))
        for column, value in values.items():
            if value and seen.get(column) and seen[column] != value:
                raise ValidationError(
                    {
                        column: [
                            _("differs from line %(line)s for the same body (“%(value)s”).")
                            % {"line": first_line, "value": seen[column]}
                        ]
                    }
                )
            if value:
                seen.setdefault(column, value)

    def offer_seen(self, *, line: int, host: str, title: str) -> None:
        key = (host.lower(), title.lower())
        if key in self.offers:
            raise ValidationError(
                {"title": [_("this offer is already on line %(line)s.") % {"line": self.offers[key]}]}
            )
        self.offers[key] = line


def _cells(cells: dict) -> tuple[dict, dict]:
    """A row's cells as a body's fields and an offer's fields (empty: the row names a body only).
    Raises ValidationError naming the column of a cell that cannot be read."""
    host: dict = {}
    offer: dict = {}
    readers = {
        "host_kind": ("kind", sheets.cell_kind),
        "region": ("region_code", sheets.cell_region),
        "seats": ("seats", sheets.cell_whole),
        "starts_on": ("starts_on", sheets.cell_date),
        "ends_on": ("ends_on", sheets.cell_date),
        "levels": ("levels", sheets.cell_levels),
        "pro_other_regions": ("pro_other_regions", sheets.cell_yes_no),
        "other_regions_cap": ("other_regions_cap", sheets.cell_whole),
    }
    text_fields = {
        "host_name": "name",
        "address": "address",
        "phone": "phone",
        "email": "email",
        "website": "website",
        "offer_title": "title",
        "description": "description",
        "length_override_reason": "length_override_reason",
    }
    errors: dict[str, list[str]] = {}
    for column in (item.key for item in sheets.COLUMNS):
        raw = cells.get(column)
        try:
            if column in readers:
                name, reader = readers[column]
                value = reader(raw)
            else:
                name, value = text_fields[column], sheets.cell_text(raw)
        except ValueError as error:
            errors.setdefault(column, []).append(str(error))
            continue
        (host if column in sheets.HOST_COLUMNS else offer)[name] = value
    if errors:
        raise ValidationError(errors)
    if not any(value not in ("", None, [], False) for value in offer.values()):
        offer = {}
    return host, offer


def _import_row(*, season: Season, cells: dict, actor: AbstractBaseUser, line: int, seen: _Rows) -> ImportLine:
    host_fields, offer_fields = _cells(cells)
    name = host_fields.pop("name")
    if not name:
        raise ValidationError({"name": [_("Name the host body.")]})
    given = {key: value for key, value in host_fields.items() if value}
    seen.host_values(line=line, name=name, values=given)
    host = host_find_by_name(name=name)
    if host is None:
        if not given.get("kind"):
            raise ValidationError({"kind": [_("Say what kind of body it is: ROIV, FOIV or State corporation.")]})
        host = host_create(actor=actor, fields={"name": name, **given})
        host_action = "created"
    else:
        changes = {key: value for key, value in given.items() if getattr(host, key) != value}
        if changes:
            host = host_update(host=host, actor=actor, changes=changes)
        host_action = "updated" if changes else "unchanged"
    if not offer_fields:
        return ImportLine(line, host.name, host_action)
    title = offer_fields.get("title", "")
    if not title:
        raise ValidationError({"title": [_("Name the internship (its unit or subject).")]})
    seen.offer_seen(line=line, host=host.name, title=title)
    for column, key in (("seats", "seats"), ("starts_on", "starts_on"), ("ends_on", "ends_on")):
        if offer_fields.get(key) is None:
            raise ValidationError({column: [_("This column is required for an offer.")]})
    if not offer_fields.get("length_override_reason"):
        # An empty cell keeps the reason staff gave on the page (a file without the column too).
        offer_fields.pop("length_override_reason", None)
    if not offer_fields.get("levels"):
        raise ValidationError({"levels": [_("Choose at least one level that may take the offer.")]})
    offer = offer_find(season_id=season.pk, host_id=host.pk, title=title)
    if offer is None:
        offer = offer_create(host=host, season=season, actor=actor, fields=offer_fields)
        return ImportLine(line, host.name, host_action, offer.title, "created")
    offer = offer_update(offer=offer, actor=actor, changes=offer_fields)
    return ImportLine(line, host.name, host_action, offer.title, "updated")


def hosts_import(*, season: Season, content: bytes, actor: AbstractBaseUser, dry_run: bool) -> ImportReport:
    """Import a spreadsheet of bodies and offers into `season` (lms.hosts.sheets): every row goes
    through the same services as a page's form. All or nothing: one bad row and nothing is stored,
    and the report lists every bad row with its line and reason. A dry run stores nothing either way
    and reports what the import would do. A file that cannot be read at all raises ValidationError
    on `file`."""
    host_staff_check(user=actor)
    rows = sheets.table_read(content=content)
    report = ImportReport()
    seen = _Rows()
    with transaction.atomic():
        for line, cells in rows:
            try:
                with transaction.atomic():
                    report.lines.append(_import_row(season=season, cells=cells, actor=actor, line=line, seen=seen))
            except ValidationError as error:
                report.errors.append(RowError(line, _reason(error)))
        if report.errors or dry_run:
            transaction.set_rollback(True)
        else:
            report.applied = True
    return report


def host_import_upload(*, season: Season, file_name: str, content: bytes, actor: AbstractBaseUser) -> HostImport:
    """Keep an upload for its preview: the file must be readable as a table (rows may still be bad)."""
    host_staff_check(user=actor)
    sheets.table_read(content=content)
    upload = HostImport(season=season, file_name=(file_name or "upload")[:255], content=content, uploaded_by=actor)
    text_require_storable(value=upload.file_name, field="file")
    upload.full_clean()
    upload.save()
    return upload


def host_import_apply(*, host_import: HostImport, actor: AbstractBaseUser) -> ImportReport:
    """Apply a previewed upload, once: claimed by a conditional UPDATE, so a second click (or a
    second member of staff) gets a ConflictError. When rows are refused now (the data changed
    since the preview) nothing is stored and the upload may be applied again after a fix."""
    host_staff_check(user=actor)
    with transaction.atomic():
        claimed = HostImport.objects.filter(pk=host_import.pk, applied_at__isnull=True).update(
            applied_at=timezone.now()
        )
        if not claimed:
            raise ConflictError(_("This file was already imported."))
        report = hosts_import(season=host_import.season, content=bytes(host_import.content), actor=actor, dry_run=False)
        if report.applied:
            HostImport.objects.filter(pk=host_import.pk).update(summary=report.summary)
        else:
            transaction.set_rollback(True)
    return report
