"""Attendance: raw events stored, every participant's figures derived from them, manual marks.

Figures are never computed by a page: each event that changes them (beats flushed, a webhook, the
analytics, a report, a mark, the session's end) queues one derivation per session, at
most one per LIVE_DERIVE_DEBOUNCE_SECONDS, and the session records when its figures were derived."""

from collections.abc import Iterable
from datetime import datetime

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from live import conf
from live.derive import Derived, attendance_upsert, session_coverage, session_evidence_end
from live.models import AttendanceEvent, LiveSession, ManualMark, MarkStatus, Source
from live.rules import status_decide
from live.selectors import latest_manual_marks, session_manageable_by, session_participant_user_ids
from live.selectors.sessions import TRACK_SESSIONS_CACHE
from lms.memo import page_cache_forget
from lms.text import text_require_storable


def attendance_events_store(*, events: Iterable[AttendanceEvent]) -> None:
    """Append raw events; a dedupe key seen before is skipped by the database (ON CONFLICT DO NOTHING)."""
    AttendanceEvent.objects.bulk_create(list(events), ignore_conflicts=True, batch_size=2000)


def session_derive_later(*, session_ids: Iterable[int]) -> None:
    """Queue one derivation per session per few seconds however many events arrive. The task
    runs after that window closes, so every event that found the window open is included."""
    from live.tasks import session_attendance_derive_task

    window = conf.derive_debounce_seconds()
    eager = session_attendance_derive_task.app.conf.task_always_eager
    for session_id in set(session_ids):
        # Tasks run in-process (the embedded demo, no broker): a countdown means nothing there,
        # so a debounce would drop every event of the next few seconds instead of batching them.
        if eager:
            transaction.on_commit(lambda session_id=session_id: session_attendance_derive_task.delay(session_id))
        elif cache.add(f"live:derive-queued:{session_id}", 1, timeout=window):
            transaction.on_commit(
                lambda session_id=session_id: session_attendance_derive_task.apply_async(
                    args=[session_id], countdown=window + 1
                )
            )


def session_attendance_derive(*, session: LiveSession, now: datetime | None = None) -> int:
    """Rebuild every participant's figures of the session from its raw events (set-based), and
    record on the session when (the console shows it). Called by the debounced task, never by a page.

    A session started and not ended in time is measured to its last evidence so far (the
    session's window_end): the figures of the last derivation after its last evidence are then
    already the final ones when it ends itself at its overrun limit, with no task run at that moment.

    Queries: (the session's last evidence, for a session not ended in time), the coverage
    statement, the manual marks, the participants, the upsert, the session's derivation time."""
    now = now or timezone.now()
    if session.ends_by_evidence:
        session.last_evidence_at = session_evidence_end(
            session_id=session.pk, window_start=session.window_start, limit=session.overrun_limit
        )
    window_start, window_end = session.window_start, session.window_end
    window_seconds = int((window_end - window_start).total_seconds())
    coverage = session_coverage(session_id=session.pk, window_start=window_start, window_end=window_end, now=now)
    marks = latest_manual_marks(session_ids=[session.pk])
    user_ids = set(session_participant_user_ids(session=session)) | set(coverage) | {u for _, u in marks}
    rows = []
    for user_id in user_ids:
        found = coverage.get(user_id)
        covered = min(found.covered_seconds, window_seconds) if found else 0
        first = found.first_joined_at if found else None
        mark = marks.get((session.pk, user_id))
        rows.append(
            Derived(
                user_id=user_id,
                covered_seconds=covered,
                first_joined_at=first,
                status=status_decide(
                    covered_seconds=covered,
                    window_seconds=window_seconds,
                    first_joined_at=first,
                    window_start=window_start,
                    threshold_percent=session.threshold_percent,
                    manual_status=mark.status if mark else None,
                ),
                manual=mark is not None,
                sources=(found.sources if found else []) + ([Source.MANUAL.value] if mark else []),
            )
        )
    derived_at = timezone.now()
    attendance_upsert(session_id=session.pk, window_seconds=window_seconds, rows=rows, derived_at=derived_at)
    derived = {"figures_derived_at": derived_at}
    if session.ends_by_evidence:
        derived["last_evidence_at"] = session.last_evidence_at
    LiveSession.objects.filter(pk=session.pk).update(**derived)
    # Not a save: the pages' cache of the track's sessions is told by hand (the evidence end moves
    # the window a participant's figure is measured against).
    page_cache_forget(subject=TRACK_SESSIONS_CACHE)
    session.figures_derived_at = derived_at
    return len(rows)


def attendance_mark_set(*, session: LiveSession, user_id: int, status: str, comment: str, by) -> ManualMark:
    """A new manual mark; earlier ones stay as the history of who changed what and when.

    Preconditions: `by` manages the session; `user_id` is a participant of its track; the
    comment gives the reason (a mark overrides what was measured, so it says why); before the
    session has started only "excused" may be given (an absence agreed in advance): whether
    someone was present, late or absent cannot be known yet."""
    if not session_manageable_by(session=session, user=by):
        raise PermissionDenied(_("Only the session's speakers and staff may mark attendance."))
    if status not in MarkStatus.values:
        raise ValidationError({"status": [_("Unknown attendance status.")]})
    if user_id not in set(session_participant_user_ids(session=session)):
        raise ValidationError({"user": [_("This person is not a participant of the session's track.")]})
    if not comment.strip():
        raise ValidationError({"comment": [_("Give the reason for the mark in the comment.")]})
    text_require_storable(value=comment, field="comment")
    if status != MarkStatus.EXCUSED and session.state_at(timezone.now()) == LiveSession.State.SCHEDULED:
        raise ValidationError(
            {"status": [_("The session has not started yet: only “excused” can be marked in advance.")]}
        )
    with transaction.atomic():
        mark = ManualMark(session=session, user_id=user_id, status=status, comment=comment.strip(), marked_by=by)
        mark.full_clean()
        mark.save()
    session_derive_later(session_ids=[session.pk])
    return mark
