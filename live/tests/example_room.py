"""A room type of our own making, the worked example of docs/live-rooms.md: everything a room
backend does, written down instead of sent anywhere, so a test can see what live asked of it."""

from live.rooms.base import RoomBackend, RoomNotStarted, external_user_id

# What live asked of the room, in order: ("start", session id, callback base) and ("end", session id).
CALLS: list[tuple] = []


class ExampleRoom(RoomBackend):
    label = "Example room"

    def join_url(self, session, user) -> str:
        if session.actual_started_at is None:
            raise RoomNotStarted("Start the session first: the example room opens then.")
        return f"https://rooms.example.org/{session.pk}?who={external_user_id(user.pk)}"

    def ready(self, session) -> bool:
        return session.running

    def start(self, session, *, callback_base: str) -> None:
        CALLS.append(("start", session.pk, callback_base))

    def end(self, session) -> None:
        CALLS.append(("end", session.pk))
