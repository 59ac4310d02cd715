"""Rooms run elsewhere and reached by the link stored on the session (`room_url`): they are
always there (nothing to open or close from our side), and each carries our participant id only
where its link can.

- Jitsi: nothing of ours: Jitsi Meet's URL settings (`#userInfo.displayName`, `.email`) are names
  for the screen, not ids, and it keeps no attendance report. Presence there comes from our
  page's beats and the speaker's marks.
- Zoom: nothing of ours: a Zoom join link carries no participant id (its web client takes only a
  display name), so Zoom's participant report is matched by e-mail.
- any other URL: our id as the `participant` query parameter (`prk-user-<id>`, the form BBB
  receives as userID), the room's own parameters and fragment kept, so whatever runs the room
  can log it and its report can be imported by that column."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.utils.translation import gettext as _

from live.models import Delivery
from live.rooms.base import RoomBackend, RoomClosed, external_user_id


class LinkRoom(RoomBackend):
    """A room reached by the session's stored link, as it is."""

    needs_room_url = True

    def join_url(self, session, user) -> str:
        if not session.room_url:  # saved before the form asked for it
            raise RoomClosed(
                _(
                    "The link to this session's room has not been set yet: "
                    "try again shortly, or ask the programme staff."
                )
            )
        return self.link_for(session.room_url, user)

    def link_for(self, room_url: str, user) -> str:
        return room_url


class JitsiRoom(LinkRoom):
    label = Delivery.JITSI.label


class ZoomRoom(LinkRoom):
    label = Delivery.ZOOM.label


class UrlRoom(LinkRoom):
    label = Delivery.URL.label

    def link_for(self, room_url: str, user) -> str:
        parts = urlsplit(room_url)
        kept = parse_qsl(parts.query, keep_blank_values=True)
        query = [(name, value) for name, value in kept if name != "participant"]
        query.append(("participant", external_user_id(user.pk)))
        return urlunsplit(parts._replace(query=urlencode(query)))
