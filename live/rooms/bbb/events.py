"""What BigBlueButton tells us about a meeting, stored as raw attendance events: the webhook's
user-joined / user-left (and meeting-ended, the session's actual end), and the post-meeting
analytics' every join and leave. Malformed items are skipped and named, never a 500."""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from live.models import AttendanceEvent, EventKind, LiveSession, Source
from live.rooms.base import user_id_from_external
from live.selectors import session_participants_among
from live.services.attendance import attendance_events_store, session_derive_later
from lms.text import text_storable


@dataclass
class Received:
    """What a webhook delivery or an analytics callback gave: how many raw events were stored
    (a repeated one counts, though the database keeps it once), and each item skipped as
    malformed, by its position, with the reason. Events of no interest to us (another event
    type, a meeting or a user not ours) are neither."""

    stored: int = 0
    skipped: list[dict] = field(default_factory=list)

    def skip(self, where: str, message: str) -> None:
        self.skipped.append({"item": where, "message": message})


def _event_key(prefix: str, event: dict) -> str:
    canonical = json.dumps(event, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return f"{prefix}:{hashlib.sha256(canonical.encode()).hexdigest()}"


def _field(value, *keys):
    """value[key][key]…, when every step is a JSON object; otherwise None (never an error)."""
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _storable(value) -> bool:
    """Whether a JSON value can go into PostgreSQL's text and jsonb: a NUL character in any key
    or string of it would fail the whole insert."""
    if isinstance(value, str):
        return text_storable(value)
    if isinstance(value, dict):
        return all(text_storable(key) and _storable(item) for key, item in value.items())
    if isinstance(value, list):
        return all(_storable(item) for item in value)
    return True


def _bbb_time(ms) -> datetime | None:
    """BBB's epoch milliseconds (an integer), or None when it is missing or out of range."""
    if type(ms) is not int:
        return None
    try:
        return datetime.fromtimestamp(ms / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def bbb_webhook_receive(*, events: list) -> Received:
    """Store user-joined/user-left as raw events and take meeting-ended as the session's actual
    end; other events, unknown meetings and people who are not participants of the session's
    track (its speakers, experts, staff: they create no attendance) are ignored. A retried delivery hashes to the same
    dedupe key (and finds the end already set), so it changes nothing. An event of the wrong
    shape (not an object, no meeting, user or `ts`) is skipped and named in the result: nothing
    is stored from it, and the others in the same delivery are still taken."""
    result = Received()
    pending = []
    ended: dict[str, datetime] = {}
    for index, event in enumerate(events):
        where = _("event %(number)s") % {"number": index + 1}
        data = _field(event, "data")
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            result.skip(where, _("Not a BigBlueButton event: no data.id."))
            continue
        if not _storable(event):
            result.skip(where, _("The event contains a NUL character."))
            continue
        kind = {"user-joined": EventKind.JOIN, "user-left": EventKind.LEAVE}.get(data["id"])
        if kind is None and data["id"] != "meeting-ended":
            continue
        meeting_id = _field(data, "attributes", "meeting", "external-meeting-id")
        when = _bbb_time(_field(data, "event", "ts"))
        if not isinstance(meeting_id, str) or not meeting_id or when is None:
            result.skip(where, _("The event lacks the meeting's external id or a valid event.ts."))
            continue
        if kind is None:  # meeting-ended
            ended[meeting_id] = min(when, ended.get(meeting_id, when))
            continue
        external = _field(data, "attributes", "user", "external-user-id")
        internal = _field(data, "attributes", "user", "internal-user-id")
        if not isinstance(external, str) or not isinstance(internal, str):
            result.skip(where, _("The event lacks the user's external and internal ids."))
            continue
        user_id = user_id_from_external(external)
        if user_id is not None:  # a guest, or someone not joined through our link: not ours
            pending.append((meeting_id, user_id, kind, internal, when, event))
    sessions = {
        s.external_meeting_id: s for s in LiveSession.objects.filter(external_meeting_id__in={p[0] for p in pending})
    }
    # Only the participants of each session's track: its speakers, experts and staff join the room
    # with our id too, and their time is no attendance (one query per meeting, usually one).
    ours = {
        meeting_id: session_participants_among(session=session, user_ids=(p[1] for p in pending if p[0] == meeting_id))
        for meeting_id, session in sessions.items()
    }
    rows = [
        AttendanceEvent(
            session=sessions[meeting_id],
            user_id=user_id,
            source=Source.BBB,
            kind=kind,
            connection=internal_id[:100],
            occurred_at=when,
            dedupe_key=_event_key("bbb", event),
            payload=event["data"],
        )
        for meeting_id, user_id, kind, internal_id, when, event in pending
        if meeting_id in sessions and user_id in ours[meeting_id]
    ]
    attendance_events_store(events=rows)
    ended_ids = [
        session_id
        for meeting_id, when in ended.items()
        if (session_id := bbb_meeting_ended(meeting_id=meeting_id, ended_at=when)) is not None
    ]
    session_derive_later(session_ids=[row.session_id for row in rows] + ended_ids)
    result.stored = len(rows)
    return result


def bbb_meeting_ended(*, meeting_id: str, ended_at: datetime) -> int | None:
    """BBB's meeting-ended sets the session's actual end, unless the speaker (or an earlier
    meeting-ended) has set it: an end once set is never moved, so a retried or late delivery
    changes no figure. Returns the session's id when the end was set (its figures then need a
    derivation), else None. The row is locked: the speaker pressing "end" at the same moment
    waits, then finds the session ended (session_end)."""
    with transaction.atomic():
        session = LiveSession.objects.select_for_update().filter(external_meeting_id=meeting_id).first()
        # Not started through the console: there is no actual start for an actual end to follow,
        # and the scheduled window stays the measure.
        if session is None or session.actual_ended_at or not session.actual_started_at:
            return None
        if ended_at <= session.actual_started_at:  # an earlier room of the same meeting id
            return None
        session.actual_ended_at = ended_at
        session.full_clean()
        session.save(update_fields=["actual_ended_at"])
    return session.pk


def _aware_time(value) -> datetime | None:
    """An ISO 8601 time with its offset (as BBB's analytics give them), or None."""
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.utcoffset() is not None else None


def bbb_analytics_receive(*, payload: dict) -> Received:
    """The post-meeting analytics: every join and leave per internal user id, for reconciliation
    with the webhooks (the union makes the two agree where both exist and fills gaps). Only the
    participants of the session's track are taken: its speakers, experts and staff are no attendance.

    A payload without the meeting id or the attendees list is refused whole (ValidationError);
    a join or leave without its user id (`userid`) or with an unreadable or zone-less timestamp
    is skipped and named in the result, the others are stored."""
    meeting_id = _field(payload, "meeting_id")
    attendees = _field(payload, "data", "attendees")
    if not isinstance(meeting_id, str) or not meeting_id or not text_storable(meeting_id):
        raise ValidationError({"meeting_id": [_("The analytics payload lacks the meeting id.")]})
    if not isinstance(attendees, list):
        raise ValidationError({"data": [_("The analytics payload lacks the list data.attendees.")]})
    result = Received()
    session = LiveSession.objects.filter(external_meeting_id=meeting_id).first()
    if session is None:
        return result
    internal_meeting = payload.get("internal_meeting_id")
    if not isinstance(internal_meeting, str) or not text_storable(internal_meeting):
        internal_meeting = ""
    found = []
    for number, attendee in enumerate(attendees, start=1):
        where = _("attendee %(number)s") % {"number": number}
        connections = _field(attendee, "sessions")
        if not isinstance(connections, list):
            result.skip(where, _("No list of sessions."))
            continue
        for connection in connections:
            items = [_field(connection, "joins"), _field(connection, "lefts")]
            if not all(isinstance(part, list) for part in items):
                result.skip(where, _("A session without joins and lefts."))
                continue
            for item in items[0] + items[1]:
                user_id = user_id_from_external(_field(item, "ext_userid"))
                if user_id is None:  # not our id (guests) or no object at all
                    continue
                internal, when = item.get("userid"), _aware_time(item.get("timestamp"))
                if not isinstance(internal, str) or not internal:
                    result.skip(where, _("A join or leave without the user's internal id (userid)."))
                    continue
                if when is None:
                    result.skip(where, _("A join or leave with an unreadable timestamp."))
                    continue
                if not _storable(item):
                    result.skip(where, _("The event contains a NUL character."))
                    continue
                kind = EventKind.JOIN if item.get("event") == "join" else EventKind.LEAVE
                found.append((user_id, kind, internal[:100], when, item))
    ours = session_participants_among(session=session, user_ids=(f[0] for f in found))  # not speakers, staff
    rows = [
        AttendanceEvent(
            session=session,
            user_id=user_id,
            source=Source.BBB,
            kind=kind,
            connection=connection,
            occurred_at=when,
            dedupe_key=f"bbb-analytics:{internal_meeting}:{connection}:{kind}:{when.isoformat()}"[:200],
            payload=item,
        )
        for user_id, kind, connection, when, item in found
        if user_id in ours
    ]
    attendance_events_store(events=rows)
    session_derive_later(session_ids=[session.pk])
    result.stored = len(rows)
    return result
