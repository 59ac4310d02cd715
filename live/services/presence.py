"""Presence from our session page: the key the page is handed, each beat it sends, and the flush
of the Redis buffer the beats wait in (live/buffer.py) into raw attendance events."""

import uuid as uuid_module
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from live import conf
from live.buffer import beat_buffer_flush, beat_buffer_push, buffer_client
from live.models import AttendanceEvent, EventKind, LiveSession, Source
from live.presence_keys import PresenceKey, presence_key_make, presence_key_read
from live.selectors import session_participants_among
from live.services.attendance import attendance_events_store, session_derive_later
from lms.privacy.selectors import user_ids_not_erased


def presence_key_issue(*, session: LiveSession, user, now: datetime | None = None) -> str:
    """A presence key (live/presence_keys.py) for a participant of the session's track: the only
    database check of a participant's beats, made when the page is shown or renews its key."""
    if user.pk not in session_participants_among(session=session, user_ids=[user.pk]):
        raise PermissionDenied(_("You are not a participant of this session's track."))
    now = now or timezone.now()
    grace = timedelta(minutes=conf.beats_grace_minutes())
    lifetime = timedelta(seconds=conf.presence_key_seconds())
    # A running session has no end yet, however far it overruns the schedule (up to its limit):
    # the key's own short life bounds it, and the first renewal after the end closes it at that
    # end plus the grace.
    end = (
        min(max(session.ends_at, now + lifetime), session.overrun_limit)
        if session.running_at(now)
        else session.window_end
    )
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
    whole batch at every flush. So are the beats in flight of a person erased meanwhile: their
    attendance ends with the erasure."""
    sessions = set(LiveSession.objects.filter(pk__in={row["s"] for row in rows}).values_list("pk", flat=True))
    users = user_ids_not_erased(user_ids={row["u"] for row in rows})
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
