"""Rooms: where a session's people meet, behind one small interface (`live.rooms.base.RoomBackend`:
`join_url`, `ready`, `start`, `end`), the backend picked by the session's delivery through the
setting LIVE_ROOM_BACKENDS (delivery → dotted path; defaults in live/conf.py).

- `base`: the interface, its refusals (RoomClosed, RoomNotStarted) and our participant id as rooms receive it;
- `registry`: the backend of a delivery, and the delivery choices the session's field offers;
- `external`: Jitsi, Zoom and any other room reached by its link; `offline`: a meeting in a place;
- `bbb`: BigBlueButton — the backend, and all of its HTTP (client, webhooks, events, recordings).

docs/live-rooms.md says how to add a room type."""
