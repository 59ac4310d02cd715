import hashlib
import json
import shutil
import tempfile
import urllib.error
import urllib.request
import uuid as uuid_module
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.services import lecture_draft_create
from live import bbb, conf
from live.attendance import status_decide
from live.buffer import beat_buffer_flush, beat_buffer_push, buffer_client
from live.derive import Derived, attendance_upsert, session_coverage
from live.models import (
    AttendanceEvent,
    Delivery,
    EventKind,
    LiveSession,
    ManualMark,
    MarkStatus,
    Recording,
    Source,
)
from live.presence import PresenceKey, presence_key_make, presence_key_read
from live.selectors import (
    latest_manual_marks,
    recording_attachable_by,
    session_manageable_by,
    session_participant_user_ids,
)
from lms.selectors import participant_list
from media.services import video_asset_create

User = get_user_model()


def attendance_events_store(*, events: Iterable[AttendanceEvent]) -> None:
    """Append raw events; a dedupe key seen before is skipped by the database (ON CONFLICT DO NOTHING)."""
    AttendanceEvent.objects.bulk_create(list(events), ignore_conflicts=True, batch_size=2000)


def session_derive_later(*, session_ids: Iterable[int]) -> None:
    """Queue one derivation per session per few seconds however many events arrive. The task
    runs after that window closes, so every event that found the window open is included."""
    from live.tasks import session_attendance_derive_task

    window = conf.derive_debounce_seconds()
    eager = session_attendance_derive_task.app.conf.task_always_eager
    for session_id in set(session_ids):
        # Tasks run in-process (the embedded demo, no broker): a countdown means nothing there,
        # so a debounce would drop every event of the next few seconds instead of batching them.
        if eager:
            transaction.on_commit(lambda session_id=session_id: session_attendance_derive_task.delay(session_id))
        elif cache.add(f"live:derive-queued:{session_id}", 1, timeout=window):
            transaction.on_commit(
                lambda session_id=session_id: session_attendance_derive_task.apply_async(
                    args=[session_id], countdown=window + 1
                )
            )


# ---------------------------------------------------------------- presence beats


def presence_key_issue(*, session: LiveSession, user, now: datetime | None = None) -> str:
    """A presence key (live/presence.py) for a participant of the session's track: the only
    database check of a participant's beats, made when the page is shown or renews its key."""
    if not participant_list(season=session.season, track=session.track).filter(user=user).exists():
        raise PermissionDenied(_("You are not a participant of this session's track."))
    now = now or timezone.now()
    grace = timedelta(minutes=conf.beats_grace_minutes())
    lifetime = timedelta(seconds=conf.presence_key_seconds())
    # A running session has no end yet, however far it overruns the schedule (up to its limit):
    # the key's own short life bounds it, and the first renewal after the end closes it at that
    # end plus the grace.
    end = min(max(session.ends_at, now + lifetime), session.overrun_limit) if session.running else session.window_end
    closes_at = end + grace
    opens_at = session.join_opens_at
    expires_at = min(now + lifetime, closes_at)
    return presence_key_make(
        claims=PresenceKey(
            user_id=user.pk,
            session_id=session.pk,
            opens_at=int(opens_at.timestamp()),
            closes_at=int(closes_at.timestamp()),
            expires_at=int(expires_at.timestamp()),
        )
    )


def presence_beat_record(
    *, key: str | None, session_id: int, connection_id: uuid_module.UUID, seq: int, visible: bool
) -> None:
    """Take one beat from our session page: the signed key says who and whether the session is
    open, the server's receipt time is the beat's time, one Redis command buffers it."""
    now = timezone.now()
    claims = presence_key_read(key=key, session_id=session_id, now=now.timestamp())
    row = {
        "s": session_id,
        "u": claims.user_id,
        "c": str(connection_id),
        "n": seq,
        "v": visible,
        "t": now.isoformat(),
    }
    client = buffer_client()
    if client is None:
        session_derive_later(session_ids=beat_rows_store(rows=[row]))
    else:
        beat_buffer_push(client=client, row=row)


def beat_rows_store(*, rows: list[dict]) -> set[int]:
    """Store buffered beats; returns the sessions they belong to. A key outlives a session or
    account deleted meanwhile: such rows are dropped here, or their foreign keys would fail the
    whole batch at every flush."""
    sessions = set(LiveSession.objects.filter(pk__in={row["s"] for row in rows}).values_list("pk", flat=True))
    users = _known_user_ids(row["u"] for row in rows)
    rows = [row for row in rows if row["s"] in sessions and row["u"] in users]
    attendance_events_store(
        events=(
            AttendanceEvent(
                session_id=row["s"],
                user_id=row["u"],
                source=Source.PAGE,
                kind=EventKind.BEAT if row["v"] else EventKind.HIDDEN,
                connection=row["c"],
                occurred_at=datetime.fromisoformat(row["t"]),
                dedupe_key=f"beat:{row['s']}:{row['u']}:{row['c']}:{row['n']}",
                payload={"seq": row["n"]},
            )
            for row in rows
        )
    )
    return {row["s"] for row in rows}


def presence_beats_flush() -> int:
    """Store everything buffered, then queue one derivation per session touched (not one per batch)."""
    client = buffer_client()
    if client is None:
        return 0
    touched: set[int] = set()
    stored = beat_buffer_flush(client=client, store=lambda rows: touched.update(beat_rows_store(rows=rows)))
    session_derive_later(session_ids=touched)
    return stored


# ---------------------------------------------------------------- derivation


def session_attendance_derive(*, session: LiveSession, now: datetime | None = None) -> int:
    """Rebuild every participant's figures of the session from its raw events (set-based).

    Queries: the participants, the coverage statement, the manual marks, the upsert."""
    now = now or timezone.now()
    window_start, window_end = session.window_start, session.window_end_at(now)
    window_seconds = int((window_end - window_start).total_seconds())
    coverage = session_coverage(session_id=session.pk, window_start=window_start, window_end=window_end, now=now)
    marks = latest_manual_marks(session_ids=[session.pk])
    user_ids = set(session_participant_user_ids(session=session)) | set(coverage) | {u for _, u in marks}
    rows = []
    for user_id in user_ids:
        found = coverage.get(user_id)
        covered = min(found.covered_seconds, window_seconds) if found else 0
        first = found.first_joined_at if found else None
        mark = marks.get((session.pk, user_id))
        rows.append(
            Derived(
                user_id=user_id,
                covered_seconds=covered,
                first_joined_at=first,
                status=status_decide(
                    covered_seconds=covered,
                    window_seconds=window_seconds,
                    first_joined_at=first,
                    window_start=window_start,
                    threshold_percent=session.threshold_percent,
                    manual_status=mark.status if mark else None,
                ),
                manual=mark is not None,
                sources=(found.sources if found else []) + ([Source.MANUAL.value] if mark else []),
            )
        )
    attendance_upsert(session_id=session.pk, window_seconds=window_seconds, rows=rows, derived_at=timezone.now())
    return len(rows)


# ---------------------------------------------------------------- the speaker's actions


def session_start(*, session: LiveSession, by, callback_base: str = "") -> LiveSession:
    """Record the actual start; a BBB session's room is created first (with our callbacks)."""
    if not session_manageable_by(session=session, user=by):
        raise PermissionDenied(_("Only the session's speakers and staff may start it."))
    if session.actual_started_at:
        raise ValidationError({"session": [_("The session has already been started.")]})
    if session.delivery == Delivery.BBB and conf.bbb_url():
        bbb_meeting_create(session=session, callback_base=callback_base)
    session.actual_started_at = timezone.now()
    session.save(update_fields=["actual_started_at"])
    return session


def session_end(*, session: LiveSession, by) -> LiveSession:
    if not session_manageable_by(session=session, user=by):
        raise PermissionDenied(_("Only the session's speakers and staff may end it."))
    with transaction.atomic():
        # Locked and re-read: BBB's meeting-ended (bbb_meeting_ended) may have set the end meanwhile.
        current = LiveSession.objects.select_for_update().get(pk=session.pk)
        session.actual_started_at, session.actual_ended_at = current.actual_started_at, current.actual_ended_at
        if session.actual_started_at is None:
            raise ValidationError({"session": [_("The session has not been started.")]})
        if session.actual_ended_at:
            raise ValidationError({"session": [_("The session has already ended.")]})
        session.actual_ended_at = timezone.now()
        session.full_clean()
        session.save(update_fields=["actual_ended_at"])
    presence_beats_flush()
    session_derive_later(session_ids=[session.pk])
    return session


def attendance_mark_set(*, session: LiveSession, user_id: int, status: str, comment: str, by) -> ManualMark:
    """A new manual mark; earlier ones stay as the history of who changed what and when."""
    if not session_manageable_by(session=session, user=by):
        raise PermissionDenied(_("Only the session's speakers and staff may mark attendance."))
    if status not in MarkStatus.values:
        raise ValidationError({"status": [_("Unknown attendance status.")]})
    if user_id not in set(session_participant_user_ids(session=session)):
        raise ValidationError({"user": [_("This person is not a participant of the session's track.")]})
    with transaction.atomic():
        mark = ManualMark(session=session, user_id=user_id, status=status, comment=comment.strip(), marked_by=by)
        mark.full_clean()
        mark.save()
    session_derive_later(session_ids=[session.pk])
    return mark


# ---------------------------------------------------------------- BigBlueButton


def _event_key(prefix: str, event: dict) -> str:
    canonical = json.dumps(event, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return f"{prefix}:{hashlib.sha256(canonical.encode()).hexdigest()}"


def _known_user_ids(user_ids: Iterable[int]) -> set[int]:
    return set(User.objects.filter(pk__in=set(user_ids)).values_list("pk", flat=True))


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


def _field(value, *keys):
    """value[key][key]…, when every step is a JSON object; otherwise None (never an error)."""
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _has_nul(value) -> bool:
    # PostgreSQL's text and jsonb take no NUL character: such an item would fail the whole insert.
    return "\\u0000" in json.dumps(value)


def _bbb_time(ms) -> datetime | None:
    """BBB's epoch milliseconds (an integer), or None when it is missing or out of range."""
    if type(ms) is not int:
        return None
    try:
        return bbb.ms_to_datetime(ms)
    except (OverflowError, OSError, ValueError):
        return None


def bbb_webhook_receive(*, events: list) -> Received:
    """Store user-joined/user-left as raw events and take meeting-ended as the session's actual
    end; other events and unknown meetings are ignored. A retried delivery hashes to the same
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
        if _has_nul(event):
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
        user_id = bbb.user_id_from_external(external)
        if user_id is not None:  # a guest, or someone not joined through our link: not ours
            pending.append((meeting_id, user_id, kind, internal, when, event))
    sessions = {
        s.external_meeting_id: s for s in LiveSession.objects.filter(external_meeting_id__in={p[0] for p in pending})
    }
    known = _known_user_ids(p[1] for p in pending)
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
        if meeting_id in sessions and user_id in known
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
    with the webhooks (the union makes the two agree where both exist and fills gaps).

    A payload without the meeting id or the attendees list is refused whole (ValidationError);
    a join or leave without its user id (`userid`) or with an unreadable or zone-less timestamp
    is skipped and named in the result, the others are stored."""
    meeting_id = _field(payload, "meeting_id")
    attendees = _field(payload, "data", "attendees")
    if not isinstance(meeting_id, str) or not meeting_id or _has_nul(meeting_id):
        raise ValidationError({"meeting_id": [_("The analytics payload lacks the meeting id.")]})
    if not isinstance(attendees, list):
        raise ValidationError({"data": [_("The analytics payload lacks the list data.attendees.")]})
    result = Received()
    session = LiveSession.objects.filter(external_meeting_id=meeting_id).first()
    if session is None:
        return result
    internal_meeting = payload.get("internal_meeting_id")
    if not isinstance(internal_meeting, str) or _has_nul(internal_meeting):
        internal_meeting = ""
    found = []
    for number, attendee in enumerate(attendees, start=1):
        connections = _field(attendee, "sessions")
        if not isinstance(connections, list):
            result.skip(_("attendee %(number)s") % {"number": number}, _("No list of sessions."))
            continue
        for connection in connections:
            items = [_field(connection, "joins"), _field(connection, "lefts")]
            if not all(isinstance(part, list) for part in items):
                result.skip(_("attendee %(number)s") % {"number": number}, _("A session without joins and lefts."))
                continue
            for item in items[0] + items[1]:
                user_id = bbb.user_id_from_external(_field(item, "ext_userid"))
                if user_id is None:  # not ours (staff, guests) or no object at all
                    continue
                where = _("attendee %(number)s") % {"number": number}
                internal, when = item.get("userid"), _aware_time(item.get("timestamp"))
                if not isinstance(internal, str) or not internal:
                    result.skip(where, _("A join or leave without the user's internal id (userid)."))
                    continue
                if when is None:
                    result.skip(where, _("A join or leave with an unreadable timestamp."))
                    continue
                if _has_nul(item):
                    result.skip(where, _("The event contains a NUL character."))
                    continue
                kind = EventKind.JOIN if item.get("event") == "join" else EventKind.LEAVE
                found.append((user_id, kind, internal[:100], when, item))
    known = _known_user_ids(f[0] for f in found)
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
        if user_id in known
    ]
    attendance_events_store(events=rows)
    session_derive_later(session_ids=[session.pk])
    result.stored = len(rows)
    return result


def bbb_join_url(*, session: LiveSession, user, full_name: str, moderator: bool) -> str:
    """A checksummed BBB join URL carrying our participant id as `userID`, never just a name."""
    if not session.external_meeting_id:
        session.external_meeting_id = f"prk-live-{session.pk}"
        session.save(update_fields=["external_meeting_id"])
    return bbb.api_url(
        call="join",
        params=[
            ("fullName", full_name),
            ("meetingID", session.external_meeting_id),
            ("role", "MODERATOR" if moderator else "VIEWER"),
            ("userID", bbb.external_user_id(user.pk)),
            ("redirect", "true"),
        ],
    )


def _bbb_answer(*, call: str, params: list[tuple[str, str]]):
    """One checksummed GET to BBB (or bbb-webhooks, which sits under the same API path): its XML
    answer, or a ValidationError that says what went wrong."""
    url = bbb.api_url(call=call, params=params)
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            content = response.read()
    except urllib.error.HTTPError as error:
        # bbb-webhooks not installed answers 404 here; say which call, not just "unreachable".
        raise ValidationError(
            {"bbb": [_("BigBlueButton answered HTTP %(status)s to %(call)s.") % {"status": error.code, "call": call}]}
        ) from error
    except OSError as error:
        raise ValidationError({"bbb": [_("BigBlueButton is not reachable: %(error)s") % {"error": error}]}) from error
    try:
        return ElementTree.fromstring(content)
    except ElementTree.ParseError as error:
        raise ValidationError({"bbb": [_("BigBlueButton gave an unreadable answer.")]}) from error


def bbb_meeting_running(*, session: LiveSession) -> bool:
    """BBB's isMeetingRunning for the session's room; the answer is kept in the cache for a short
    while (conf.room_running_cache_seconds), so a room with hundreds of people waiting asks BBB
    once per interval. BBB not reachable counts as not running: the waiting page asks again."""
    if not session.external_meeting_id:
        return False
    key = f"live:bbb-running:{session.external_meeting_id}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    try:
        root = _bbb_answer(call="isMeetingRunning", params=[("meetingID", session.external_meeting_id)])
    except ValidationError:
        running = False
    else:
        running = root.findtext("returncode") == "SUCCESS" and (root.findtext("running") or "").strip() == "true"
    keep_running, keep_waiting = conf.room_running_cache_seconds()
    cache.set(key, running, keep_running if running else keep_waiting)
    return running


def session_room_ready(*, session: LiveSession) -> bool:
    """Whether a participant can be sent into the session's room now. A BBB room exists only once
    the speaker has started the session (session_start creates it), and BBB reports it running
    once the speaker is in it; a join URL for a room not there yet fails on BBB's side, so the
    participant waits on our page instead. Other rooms are always ready."""
    if session.delivery != Delivery.BBB:
        return True
    if not session.running:
        return False
    if not conf.bbb_url():  # no BBB server configured (the embedded demo): nothing to ask
        return True
    return bbb_meeting_running(session=session)


def bbb_webhook_callback_url(*, callback_base: str) -> str:
    """Our webhook endpoint exactly as registered: bbb-webhooks signs every callback with this
    string, and BbbWebhookApi checks the checksum against the same one (live/conf.py)."""
    return conf.bbb_webhook_callback_url() or f"{callback_base}{reverse('live-bbb-webhook')}"


def bbb_webhook_register(*, session: LiveSession, callback_base: str) -> str:
    """Register our webhook endpoint with bbb-webhooks (`hooks/create`) once per session; returns
    the hookID, which is stored, so a second start or re-create does not call again.

    The hook is global (no `meetingID`): bbb-webhooks keeps ONE hook per callback URL, whatever
    its meetingID, and answers every later registration of that URL with `duplicateWarning` and
    the first hook. A hook bound to the first session's meeting would leave every later session
    without events; a global one serves them all, and the receiver keeps only the events of
    meetings that are our sessions. `getRaw=false`: our parser reads the mapped events
    (`data.id`, `data.attributes`), not BBB's raw messages.
    """
    if session.bbb_hook_id:
        return session.bbb_hook_id
    root = _bbb_answer(
        call="hooks/create",
        params=[("callbackURL", bbb_webhook_callback_url(callback_base=callback_base)), ("getRaw", "false")],
    )
    hook_id = (root.findtext("hookID") or "").strip()
    message_key = root.findtext("messageKey") or ""
    # duplicateWarning: the URL is registered already (bbb-webhooks 2.x–3.x answer SUCCESS with
    # it; it is taken as success whatever the returncode), and hookID names that hook.
    registered = message_key == "duplicateWarning" or root.findtext("returncode") == "SUCCESS"
    if not registered or not hook_id:
        raise ValidationError(
            {
                "bbb": [
                    _("BigBlueButton did not register our webhook (%(key)s): %(message)s")
                    % {
                        "key": message_key or root.findtext("returncode") or "?",
                        "message": root.findtext("message") or _("no hook ID in the answer."),
                    }
                ]
            }
        )
    session.bbb_hook_id = hook_id
    session.save(update_fields=["bbb_hook_id"])
    return hook_id


def bbb_meeting_create(*, session: LiveSession, callback_base: str) -> str:
    """Create (or re-create: BBB answers the same for an existing meeting) the room, asking for
    the analytics and recording-ready callbacks. Returns BBB's internal meeting id.

    The webhook is registered first: a registration refused leaves no room behind, and the hook
    is in place before anyone can join."""
    if not session.external_meeting_id:
        session.external_meeting_id = f"prk-live-{session.pk}"
        session.save(update_fields=["external_meeting_id"])
    bbb_webhook_register(session=session, callback_base=callback_base)
    root = _bbb_answer(
        call="create",
        params=[
            ("name", session.title),
            ("meetingID", session.external_meeting_id),
            ("record", "true"),
            ("meetingKeepEvents", "true"),
            ("meta_analytics-callback-url", f"{callback_base}/integrations/bbb/analytics/"),
            ("meta_bbb-recording-ready-url", f"{callback_base}/integrations/bbb/recording-ready/"),
        ],
    )
    if root.findtext("returncode") != "SUCCESS":
        raise ValidationError({"bbb": [root.findtext("message") or _("BigBlueButton refused to create the room.")]})
    return root.findtext("internalMeetingID") or ""


# ---------------------------------------------------------------- recordings


def recording_attach(
    *, session: LiveSession, source, by=None, source_url: str = "", bbb_record_id: str | None = None
) -> Recording:
    """The recording goes through the transcoding pipeline and becomes a draft lecture of the
    session's course, for an editor to publish with its own deadline."""
    if by is not None and not recording_attachable_by(session=session, user=by):
        raise PermissionDenied(_("Only the session's speakers, editors and staff may attach its recording."))
    with transaction.atomic():
        asset = video_asset_create(title=session.title, source=source, created_by=by)
        lecture = lecture_draft_create(
            course_id=session.course_id,
            title=_("Recording: %(title)s") % {"title": session.title},
            video_asset_id=asset.pk,
            source_live_session_id=session.pk,
        )
        recording = Recording(
            session=session, video_asset=asset, lecture=lecture, source_url=source_url, bbb_record_id=bbb_record_id
        )
        recording.full_clean(exclude=["video_asset", "lecture", "session"])
        recording.save()
    return recording


def bbb_recording_fetch(*, session: LiveSession, record_id: str) -> Recording | None:
    """Find the recording's video through getRecordings, download it and attach it. A record id
    already attached is skipped, so a repeated callback or a task retry changes nothing."""
    if "\x00" in record_id:  # PostgreSQL text holds no NUL character
        raise ValidationError({"recording": [_("A meeting or record id with a NUL character is not valid.")]})
    if Recording.objects.filter(bbb_record_id=record_id).exists():
        return None
    with urllib.request.urlopen(bbb.api_url(call="getRecordings", params=[("recordID", record_id)]), timeout=30) as r:
        root = ElementTree.fromstring(r.read())
    video_url = bbb.recording_video_url(root)
    if video_url is None:
        raise ValidationError({"recording": [_("BigBlueButton has no video format for this recording.")]})
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{record_id}.m4v"
        with urllib.request.urlopen(video_url, timeout=300) as response, open(path, "wb") as target:
            shutil.copyfileobj(response, target)
        return recording_attach(session=session, source=str(path), source_url=video_url, bbb_record_id=record_id)
