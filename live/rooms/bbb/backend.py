"""A BigBlueButton room: created when the speaker starts the session (with our webhook and
callbacks), entered through a checksummed join URL carrying our participant id as `userID`, ended
when the speaker ends the session. Without a BBB server configured (LIVE_BBB_URL empty: the
embedded demo) nothing is called, and the room counts as open while the session runs."""

import logging

from django.core.cache import cache
from django.utils.translation import gettext as _

from live import conf
from live.models import Delivery, LiveSession
from live.rooms.base import RoomBackend, RoomNotStarted, external_user_id
from live.rooms.bbb.client import BbbError, api_call, api_url
from live.rooms.bbb.webhooks import webhook_register
from live.selectors import session_manageable_by

logger = logging.getLogger(__name__)


def _meeting_id(session: LiveSession) -> str:
    """BBB's meetingID of the session, given on first use (webhooks and callbacks name it)."""
    if not session.external_meeting_id:
        session.external_meeting_id = f"prk-live-{session.pk}"
        session.save(update_fields=["external_meeting_id"])
    return session.external_meeting_id


def meeting_create(*, session: LiveSession, callback_base: str) -> str:
    """Create (or re-create: BBB answers the same for an existing meeting) the room, asking for
    the analytics and recording-ready callbacks. Returns BBB's internal meeting id.

    The webhook is registered first: a registration refused leaves no room behind, and the hook
    is in place before anyone can join."""
    meeting_id = _meeting_id(session)
    webhook_register(session=session, callback_base=callback_base)
    root = api_call(
        call="create",
        params=[
            ("name", session.title),
            ("meetingID", meeting_id),
            ("record", "true"),
            ("meetingKeepEvents", "true"),
            ("meta_analytics-callback-url", f"{callback_base}/integrations/bbb/analytics/"),
            ("meta_bbb-recording-ready-url", f"{callback_base}/integrations/bbb/recording-ready/"),
        ],
    )
    if root.findtext("returncode") != "SUCCESS":
        raise BbbError(root.findtext("message") or _("BigBlueButton refused to create the room."))
    return root.findtext("internalMeetingID") or ""


def meeting_running(*, session: LiveSession) -> bool:
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
        root = api_call(call="isMeetingRunning", params=[("meetingID", session.external_meeting_id)])
    except BbbError:
        running = False
    else:
        running = root.findtext("returncode") == "SUCCESS" and (root.findtext("running") or "").strip() == "true"
    keep_running, keep_waiting = conf.room_running_cache_seconds()
    cache.set(key, running, keep_running if running else keep_waiting)
    return running


class BbbRoom(RoomBackend):
    label = Delivery.BBB.label

    def join_url(self, session, user) -> str:
        """A checksummed BBB join URL carrying our participant id as `userID`, never just a name;
        the session's speakers and staff join as moderators."""
        moderator = session_manageable_by(session=session, user=user)
        if moderator and session.actual_started_at is None:
            raise RoomNotStarted(_("Start the session first: its BigBlueButton room is created then."))
        return api_url(
            call="join",
            params=[
                ("fullName", user.get_full_name() or user.username),
                ("meetingID", _meeting_id(session)),
                ("role", "MODERATOR" if moderator else "VIEWER"),
                ("userID", external_user_id(user.pk)),
                ("redirect", "true"),
            ],
        )

    def ready(self, session) -> bool:
        """A BBB room exists only once the speaker has started the session (start creates it), and
        BBB reports it running once the speaker is in it; a join URL for a room not there yet
        fails on BBB's side, so the participant waits on our page instead."""
        if not session.running:
            return False
        if not conf.bbb_url():  # no BBB server configured (the embedded demo): nothing to ask
            return True
        return meeting_running(session=session)

    def start(self, session, *, callback_base: str) -> None:
        if conf.bbb_url():
            meeting_create(session=session, callback_base=callback_base)

    def end(self, session) -> None:
        """BBB's `end`, so the room closes with the session. The session's end is ours and already
        recorded: a BBB that cannot be told is logged (the room then closes when it empties, and
        its meeting-ended changes nothing)."""
        if not conf.bbb_url() or not session.external_meeting_id:
            return
        try:
            api_call(call="end", params=[("meetingID", session.external_meeting_id)])
        except BbbError as error:
            logger.warning("BigBlueButton's end of %s failed: %s", session.external_meeting_id, error.messages)
        cache.delete(f"live:bbb-running:{session.external_meeting_id}")
