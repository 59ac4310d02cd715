"""The interface every room type implements, and what the rest of live knows of rooms.

A backend is a class with a `label` (the delivery's name in the session's form) and the four
methods below; live/rooms/registry.py makes one instance per dotted path. Backends hold no state of
their own: whatever a room must remember (BigBlueButton's meeting and hook ids) is on the session."""

from django.core.exceptions import ValidationError
from django.utils.functional import Promise

from lms.numbers import whole_number

USER_PREFIX = "prk-user-"


class RoomError(ValidationError):
    """The room's own service could not be asked, or answered unreadably: a ValidationError on the
    room's field whose message says which call failed and how (the console shows it; a task
    retries it)."""

    def __init__(self, message: str, *, field: str = "room"):
        super().__init__({field: [message]})


class RoomClosed(Exception):
    """There is no room to send this person into (an offline meeting, a link not set yet): our
    page says why, in the message."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class RoomNotStarted(RoomClosed):
    """The room comes into being when the speaker starts the session: the speaker is sent to the
    console to start it first (participants wait while `ready` says no)."""


class RoomBackend:
    """One kind of room. The defaults describe a room that is always there and needs no calls."""

    label: str | Promise = ""
    # The session's form asks for `room_url` when the room is reached through a stored link.
    needs_room_url: bool = False

    def join_url(self, session, user) -> str:
        """Where to send `user` (a participant, or one of the session's managers) into the room;
        RoomClosed when there is none to send them to."""
        raise NotImplementedError

    def ready(self, session) -> bool:
        """Whether a participant can be sent in now (else they wait on our page, asking again)."""
        return True

    def start(self, session, *, callback_base: str) -> None:
        """Open the room as the speaker starts the session (before the start is recorded: a room
        that cannot be opened leaves the session unstarted). `callback_base` is our site's
        absolute URL, for the room's callbacks."""

    def end(self, session) -> None:
        """Close the room after the speaker has ended the session (the end is recorded already)."""


def external_user_id(user_id: int) -> str:
    """Our participant id as every room receives it where it can carry one (BigBlueButton's
    userID, the `participant` parameter of a plain URL, a report's Participant ID column)."""
    return f"{USER_PREFIX}{user_id}"


def user_id_from_external(external) -> int | None:
    """Our user id from `prk-user-<id>`; None for anything else (a guest, staff joined otherwise,
    a value of the wrong type or a number no id can be)."""
    if not isinstance(external, str) or not external.startswith(USER_PREFIX):
        return None
    return whole_number(external[len(USER_PREFIX) :])
