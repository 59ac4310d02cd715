"""live: the programme's live sessions — their schedule and speakers, the rooms people meet in,
attendance from every source (our page's presence beats, BigBlueButton's webhooks and analytics,
imported reports, the speaker's marks) with the figures derived from it, the speakers' console and
the recordings that become draft lectures.

Another app may call:
- `live.selectors` — reads, e.g. `required_sessions_attendance_grouped` (the score modules' input);
- `live.services.<job>` — writes, one module per job (presence, attendance, reports, sessions,
  recordings; see live/services/__init__.py);
- the cabinet panel and staff tool it registers in `apps.py` (lms.cabinet), and `demo_live_seed`
  on lms.signals.demo_seeded.
Everything else is live's own: its models (never imported by another app), the pure rules
(`rules`) and their set-based SQL (`derive`), the beat buffer (`buffer`) and presence keys
(`presence_keys`), and the rooms (`live.rooms`: one backend per delivery; only they call
BigBlueButton's client)."""
