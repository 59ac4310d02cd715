"""live's writes, one module per job; import from the job's module (`from live.services.presence
import presence_beat_record`), this package exposes nothing of its own:

- `presence`: presence keys issued to the session page, beats taken and buffered, the buffer's flush;
- `attendance`: raw events stored, the figures derived (debounced, in Celery), manual marks;
- `reports`: a Zoom-shaped participant report imported as raw events;
- `sessions`: the speaker's start and end, a participant's way into the room;
- `recordings`: a recording attached as a draft lecture;
- `registrations`: seats at season-wide sessions (the closing meeting and its panels).

BigBlueButton's own calls and callbacks are the room's business: `live.rooms.bbb`."""
