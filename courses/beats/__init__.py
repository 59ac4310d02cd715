"""Honest watch progress: how a player's heartbeats ("beats") become credited seconds.

- `keys`: the signed beat key, the beat endpoint's only credential (no session, no database);
- `rules`: the crediting rules, pure (continuity, rate cap, visible tab, one playback at a time);
- `stores`: where a playback's state lives: Redis (one Lua script per beat, `script_caller` sends
  it over a plain socket) or, without Redis, the database (write-through);
- `flush`: credited spans from the Redis stream to LectureProgress, in batches, after commit;
- `spans`: media spans as merged [start, end] lists: progress is the length of their union.

The path of a beat: player → `courses.apis.LectureProgressCreateApi` → `courses.services.
lecture_progress_record` (key read, beat validated) → `stores.RedisProgressStore.beat` (the script
judges it and appends credited spans to a stream) → `flush.progress_flush` (courses.tasks, every
few seconds) → LectureProgress rows. Only courses' own modules import this package."""
