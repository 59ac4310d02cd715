"""A meeting in a place: no room to join online; our page names the place. Presence there is the
speaker's manual marks (and any report imported)."""

from django.utils.translation import gettext as _

from live.models import Delivery
from live.rooms.base import RoomBackend, RoomClosed


class OfflineRoom(RoomBackend):
    label = Delivery.OFFLINE.label

    def join_url(self, session, user) -> str:
        raise RoomClosed(_("This is an offline meeting: %(place)s.") % {"place": session.place})
