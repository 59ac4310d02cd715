import smtplib

from celery import shared_task

from live.models import LiveSession
from live.rooms.base import RoomError
from live.rooms.bbb.recordings import bbb_recording_fetch
from live.services.attendance import session_attendance_derive
from live.services.guests import guest_invitation_send
from live.services.presence import presence_beats_flush


@shared_task(name="live.session_attendance_derive", acks_late=True)
def session_attendance_derive_task(session_id: int) -> None:
    # Idempotent: a rerun rebuilds the same figures from the same events.
    session = LiveSession.objects.filter(pk=session_id).select_related("season").first()
    if session is None:
        return
    session_attendance_derive(session=session)


@shared_task(name="live.presence_beats_flush")
def presence_beats_flush_task() -> int:
    return presence_beats_flush()


@shared_task(name="live.bbb_recording_fetch", bind=True, acks_late=True, max_retries=5)
def bbb_recording_fetch_task(self, session_id: int, record_id: str) -> None:
    # Idempotent: a record id already attached is skipped; BBB not reachable is retried with backoff.
    session = LiveSession.objects.filter(pk=session_id).first()
    if session is None:
        return
    try:
        bbb_recording_fetch(session=session, record_id=record_id)
    except RoomError as error:
        raise self.retry(exc=error, countdown=60 * 2**self.request.retries) from error


# Only a mail server's failures are retried; the e-mail is claimed, so a retry never sends it twice.
@shared_task(
    name="live.guest_invitation_send",
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=30,
    retry_backoff_max=30 * 60,
    retry_jitter=True,
    max_retries=8,
)
def guest_invitation_send_task(guest_id: int, base: str) -> bool:
    return guest_invitation_send(guest_id=guest_id, base=base)
