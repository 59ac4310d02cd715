"""Import of a Zoom-shaped participant report (CSV, both header generations).

Columns (header names compared case-insensitively; the table may follow a summary block):
- `Join time` and `Leave time` (Zoom's `Join Time`, `Leave Time`), required;
- `Email` or `User Email` (Zoom's), and/or `Participant ID` (also `participant_id`, `participant`
  or `ID участника`): our id as the external rooms receive it, `prk-user-<id>`, or the bare
  number. At least one of the two is required;
- `Name (original name)` and `In waiting room`, optional (the name only describes a row in the
  list sent back; waiting-room rows are not attendance).

Rows are matched to the track's participants by our id or by e-mail, never by name. A row with
both must name the same participant. Rows that cannot be matched or read are listed back, and
nothing is stored from them; so are the rows of people we know who are no participants of the
track (the session's speakers, experts, staff): skipped, as their time is no attendance."""

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from live.models import AttendanceEvent, EventKind, LiveSession, Source
from live.rooms.base import USER_PREFIX, user_id_from_external
from live.selectors import user_emails_known, user_ids_known
from live.selectors.sessions import track_participants
from live.services.attendance import attendance_events_store, session_derive_later
from lms.numbers import whole_number
from lms.text import text_storable

COLUMNS = {
    "join": ("join time",),
    "leave": ("leave time",),
}
# At least one of these names the participant (Zoom's own "User ID" is Zoom's, not ours: not taken).
IDENTITY = {
    "email": ("email", "user email"),
    "participant": ("participant id", "participant_id", "participant", "id участника"),
}
OPTIONAL = {"name": ("name (original name)",), "waiting": ("in waiting room",)}
DATE_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S")


@dataclass
class ReportResult:
    stored: int = 0
    skipped: list[dict] = field(default_factory=list)
    unmatched: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)


def _header_index(rows: list[list[str]]) -> tuple[int, dict[str, int]]:
    for number, row in enumerate(rows):
        names = [cell.strip().lower() for cell in row]
        if any(name in names for name in COLUMNS["join"]):
            found = {}
            for key, aliases in {**COLUMNS, **IDENTITY, **OPTIONAL}.items():
                for alias in aliases:
                    if alias in names:
                        found[key] = names.index(alias)
                        break
            missing = [COLUMNS[key][0] for key in COLUMNS if key not in found]
            if not any(key in found for key in IDENTITY):
                missing.append(_("email or participant id"))
            if missing:
                raise ValidationError(
                    {"file": [_("The report lacks the columns: %(columns)s.") % {"columns": ", ".join(missing)}]}
                )
            return number, found
    raise ValidationError(
        {
            "file": [
                _(
                    "No participant table found: the report needs the columns Join time and Leave time, "
                    "and Email or Participant ID."
                )
            ]
        }
    )


def _parse_time(value: str, zone: ZoneInfo) -> datetime:
    value = value.strip()
    if value.endswith("Z") or "+" in value[10:]:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=zone)
        except ValueError:
            continue
    raise ValueError(value)


def _within(moment: datetime, earliest: datetime, latest: datetime) -> bool:
    try:
        return earliest <= moment.astimezone(UTC) <= latest
    except OverflowError:  # no UTC date at all, e.g. 0001-01-01 00:30 at +14:00
        return False


def _our_id(value: str) -> int | None:
    """Our participant id as the rooms receive it (`prk-user-<id>`) or as the bare number."""
    value = value.strip().lower()
    if value.startswith(USER_PREFIX):
        return user_id_from_external(value)
    return whole_number(value)


def _row_participant(*, participant: str, email: str, ours: set[int], by_email: dict[str, int]):
    """(user id, None) for a row that names one participant of the track, else (None, why).
    Our id, when given, decides; an e-mail given beside it must not name someone else."""
    by_mail = by_email.get(email.lower()) if email else None
    if participant:
        user_id = _our_id(participant)
        if user_id is None:
            return None, _("Not a participant id of ours (prk-user-<number> or the number).")
        if user_id not in ours:
            return None, _("No participant of this track has this id.")
        if by_mail is not None and by_mail != user_id:
            return None, _("The e-mail and the participant id name different participants.")
        return user_id, None
    if not email:
        return None, _("No e-mail and no participant id: the row cannot be matched.")
    if by_mail is None:
        return None, _("No participant of this track has this e-mail.")
    return by_mail, None


def _skip_known_non_participants(result: ReportResult, *, ours: set[int]) -> None:
    """Move the unmatched rows that name someone with an account here who is no participant of
    the track (the session's speaker, an expert, staff) to the skipped ones: no mistake of the
    report, but no attendance either. Two queries at most (the ids, the e-mails)."""
    ids = {row["line"]: _our_id(row["participant"]) for row in result.unmatched if row["participant"]}
    # (an id of the track whose e-mail names someone else stays unmatched: the row contradicts itself)
    known_ids = user_ids_known(user_ids={user_id for user_id in ids.values() if user_id is not None} - ours)
    known_emails = user_emails_known(emails=(row["email"] for row in result.unmatched if not row["participant"]))
    unmatched = []
    for row in result.unmatched:
        by_id = row["participant"] and ids.get(row["line"]) in known_ids
        by_email = not row["participant"] and row["email"].lower() in known_emails
        if by_id or by_email:
            result.skipped.append(
                {**row, "message": _("Not a participant of the session's track (a speaker, an expert or staff).")}
            )
        else:
            unmatched.append(row)
    result.unmatched = unmatched


def attendance_report_import(*, session: LiveSession, content: bytes, timezone_name: str) -> ReportResult:
    """Store the report's matched rows as interval events of the session (all or none) and queue
    its derivation; the result lists every row not stored and why. `timezone_name` is the zone of
    the report's times that carry no offset."""
    try:
        zone = ZoneInfo(timezone_name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError({"timezone": [_("Unknown time zone.")]}) from error
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError({"file": [_("The report is not a UTF-8 CSV file.")]}) from error
    if not text_storable(text):  # not a text CSV
        raise ValidationError({"file": [_("The report is not a readable CSV file.")]})
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as error:  # e.g. a field past the csv module's size limit
        raise ValidationError({"file": [_("The report is not a readable CSV file.")]}) from error
    header_at, columns = _header_index(rows)
    by_email = {}
    ours = set()
    for participant in track_participants(session):
        ours.add(participant.user_id)
        for email in {participant.application.email, participant.user.email}:
            if email:
                by_email[email.strip().lower()] = participant.user_id
    result = ReportResult()
    earliest, latest = session.plausible_bounds  # a row further out is no report of it
    events = []
    for line, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        if not any(cell.strip() for cell in row):
            continue

        def cell(key: str, row: list[str] = row) -> str:
            index = columns.get(key)
            return row[index].strip() if index is not None and index < len(row) else ""

        described = {"line": line, "name": cell("name"), "email": cell("email"), "participant": cell("participant")}
        try:
            joined, left = _parse_time(cell("join"), zone), _parse_time(cell("leave"), zone)
        except ValueError:
            result.errors.append({**described, "message": _("Unreadable join or leave time.")})
            continue
        if not (_within(joined, earliest, latest) and _within(left, earliest, latest)):
            result.errors.append(
                {**described, "message": _("The join or leave time is more than a day away from the session's times.")}
            )
            continue
        if left < joined:
            result.errors.append({**described, "message": _("The leave time is before the join time.")})
            continue
        if cell("waiting").lower() in ("yes", "да"):
            result.skipped.append({**described, "message": _("Time in the waiting room is not attendance.")})
            continue
        user_id, problem = _row_participant(
            participant=cell("participant"), email=cell("email"), ours=ours, by_email=by_email
        )
        if user_id is None:
            result.unmatched.append({**described, "message": problem})
            continue
        events.append(
            AttendanceEvent(
                session=session,
                user_id=user_id,
                source=Source.REPORT,
                kind=EventKind.INTERVAL,
                connection=f"report-line-{line}",
                occurred_at=joined,
                ends_at=left,
                dedupe_key=f"report:{session.pk}:{user_id}:{joined.isoformat()}:{left.isoformat()}",
                payload={"line": line, "row": row},
            )
        )
    _skip_known_non_participants(result, ours=ours)
    result.stored = len(events)
    # One file is stored whole or not at all (bulk_create writes it in batches).
    with transaction.atomic():
        attendance_events_store(events=events)
        session_derive_later(session_ids=[session.pk])
    return result
