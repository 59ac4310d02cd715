"""The project package and the programme's core: settings, URLs, the Celery app; seasons,
applications, participants and their levels, roles, the cabinet's panel registry, and the helpers
every app shares.

Other apps may call: `lms.selectors` and `lms.services` (the core's data: seasons, participants,
roles, deadline extensions), `lms.choices` (levels and tracks, without the core's tables),
`lms.cabinet` (register a cabinet panel), `lms.roles`, `lms.errors` (ConflictError),
`lms.exports` (every CSV/XLSX export), `lms.signing` (short-lived tokens), `lms.text` (text that
PostgreSQL can store), `lms.extensions` (the deadline-extension shape), `lms.beatviews` (the beat
endpoints' base), `lms.api` (API plumbing), `lms.numbers`, `lms.middleware.sessionless`.
Never `lms.models` (an import contract forbids it)."""

from .celery import app as celery_app

__all__ = ("celery_app",)
