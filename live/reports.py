"""Import of a Zoom-shaped participant report (CSV, both header generations).

Rows are matched to participants by e-mail only; rows that cannot be matched or read are listed
back and nothing is stored from them."""

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from live.models import AttendanceEvent, EventKind, LiveSession, Source
from live.services import attendance_events_store, session_derive_later
from lms.selectors import participant_list

COLUMNS = {
    "email": ("email", "user email"),
    "join": ("join time",),
    "leave": ("leave time",),
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
            for key, aliases in {**COLUMNS, **OPTIONAL}.items():
                for alias in aliases:
                    if alias in names:
                        found[key] = names.index(alias)
                        break
            missing = [COLUMNS[key][0] for key in COLUMNS if key not in found]
            if missing:
                raise ValidationError(
                    {"file": [_("The report lacks the columns: %(columns)s.") % {"columns": ", ".join(missing)}]}
                )
            return number, found
    raise ValidationError(
        {"file": [_("No participant table found: the report needs the columns Email, Join time and Leave time.")]}
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


def attendance_report_import(*, session: LiveSession, content: bytes, timezone_name: str) -> ReportResult:
    try:
        zone = ZoneInfo(timezone_name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError({"timezone": [_("Unknown time zone.")]}) from error
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError({"file": [_("The report is not a UTF-8 CSV file.")]}) from error
    rows = list(csv.reader(io.StringIO(text)))
    header_at, columns = _header_index(rows)
    by_email = {}
    for participant in participant_list(season=session.season, track=session.track):
        for email in {participant.application.email, participant.user.email}:
            if email:
                by_email[email.strip().lower()] = participant.user_id
    result = ReportResult()
    events = []
    for line, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        if not any(cell.strip() for cell in row):
            continue

        def cell(key: str, row: list[str] = row) -> str:
            index = columns.get(key)
            return row[index].strip() if index is not None and index < len(row) else ""

        described = {"line": line, "name": cell("name"), "email": cell("email")}
        try:
            joined, left = _parse_time(cell("join"), zone), _parse_time(cell("leave"), zone)
        except ValueError:
            result.errors.append({**described, "message": _("Unreadable join or leave time.")})
            continue
        if left < joined:
            result.errors.append({**described, "message": _("The leave time is before the join time.")})
            continue
        if cell("waiting").lower() in ("yes", "да"):
            result.skipped.append({**described, "message": _("Time in the waiting room is not attendance.")})
            continue
        user_id = by_email.get(cell("email").lower()) if cell("email") else None
        if user_id is None:
            result.unmatched.append(
                {**described, "message": _("No participant of this track has this e-mail.")}
                if cell("email")
                else {**described, "message": _("No e-mail: the row cannot be matched.")}
            )
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
    result.stored = len(events)
    attendance_events_store(events=events)
    session_derive_later(session_ids=[session.pk])
    return result
