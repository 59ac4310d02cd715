"""The lecture player's beats, as courses/static/courses/player.js makes them, without a browser:
what the load's simulated viewers send (bench/load/locustfile.py) and what the ordinary test suite
feeds to the real endpoint (bench/load/tests). No locust and no Django here: locust patches the
standard library with gevent on import, and the test suite must not be patched.

The player, while a video plays: opens a playback with seq 0 (from = to = the position), then every
BEAT_SECONDS reports the stretch from the position the server last acknowledged to the current one
(seq + 1 each beat, sent one after another); renews its playback URL and beat key as often as
the grant's `renew_seconds` says (the locustfile does). A beat that is not acknowledged keeps its
stretch for the next one."""

import json
import uuid
from dataclasses import dataclass, field

# player.js: BEAT_MS.
BEAT_SECONDS = 10.0


@dataclass
class Player:
    """One viewer's playback of one lecture at rate 1, its media clock driven by the caller's clock
    (`now`, seconds): the position is where the video stands `now`, as video.currentTime would."""

    lecture_id: int
    beat_key: str
    duration: float
    started_at: float
    start_position: float = 0.0
    playback_id: str | None = None
    seq: int = 0
    acknowledged: float | None = None  # player.js's ackPos
    watched_seconds: float = 0.0  # what the server last said this participant has watched
    outcomes: dict = field(default_factory=dict)

    def position(self, now: float) -> float:
        return round(min(self.duration, self.start_position + max(0.0, now - self.started_at)), 3)

    @property
    def progress_path(self) -> str:
        return f"/api/v1/lectures/{self.lecture_id}/progress/"

    @property
    def playback_path(self) -> str:
        return f"/api/v1/lectures/{self.lecture_id}/playback/"

    def headers(self) -> dict[str, str]:
        """A beat's headers: no cookies go with it (fetch with credentials "omit"), the key in its
        header, the page's language for the messages."""
        return {"Content-Type": "application/json", "X-Beat-Key": self.beat_key, "Accept-Language": "ru"}

    def beat(self, now: float) -> dict:
        """The next beat's body (player.js `beat`): the opening one when no playback is open."""
        position = self.position(now)
        if self.playback_id is None:
            self.playback_id = str(uuid.uuid4())
            self.seq = 0
            self.acknowledged = position
            return {
                "playback_id": self.playback_id,
                "seq": 0,
                "from": position,
                "to": position,
                "rate": 1.0,
                "visible": True,
            }
        self.seq += 1
        start = position if self.acknowledged is None or position < self.acknowledged else self.acknowledged
        return {
            "playback_id": self.playback_id,
            "seq": self.seq,
            "from": start,
            "to": position,
            "rate": 1.0,
            "visible": True,
            "release": False,
        }

    def answered(self, body: dict, status: int, data: dict) -> None:
        """What the player does with the answer to `body` (player.js `handle`)."""
        if status == 200:
            self.outcomes[data.get("outcome")] = self.outcomes.get(data.get("outcome"), 0) + 1
            self.watched_seconds = data["watched_seconds"]
            if body["playback_id"] != self.playback_id:
                return
            self.acknowledged = body["to"]
            if data.get("outcome") == "other_playback":
                self.playback_id = None
        elif status == 503 and body["seq"] == 0:
            self.playback_id = None  # never opened: the next beat opens it
        elif status == 400 and "playback_id" in data:
            self.playback_id = None  # the server forgot the playback: open a new one from here

    def renewed(self, beat_key: str) -> None:
        self.beat_key = beat_key


def answer_object(body: bytes | str | None) -> dict:
    """An answer's body as the player reads it (response.json()): a JSON object, or {} for anything
    else — an HTML error page of nginx, no answer at all."""
    try:
        data = json.loads(body) if body else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
