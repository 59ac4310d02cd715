"""Invited guests of season-wide sessions: staff add them by name and e-mail, each gets a personal
signed link by e-mail (Celery, after the commit), and their joining is counted for staff only."""

import time
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import get_connection, send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from live import conf
from live.models import LiveSession, SessionGuest
from lms.selectors import user_has_role
from lms.signing import TokenExpired, TokenInvalid, token_read, token_sign
from lms.text import text_storable

GUEST_PURPOSE = "live.guest"


def guest_link_token(*, guest: SessionGuest) -> str:
    """The guest's personal link token (lms.signing): it names the guest and their key, and lives
    until the session's overrun limit."""
    return token_sign(
        purpose=GUEST_PURPOSE, fields=[guest.pk, guest.key.hex], expires=guest.session.overrun_limit.timestamp()
    )


def guest_link(*, guest: SessionGuest, base: str) -> str:
    return base.rstrip("/") + reverse("live-guest-join", args=[guest_link_token(guest=guest)])


def guest_by_token(*, token: str) -> SessionGuest | None:
    """The guest a genuine, unexpired link names (and whose key it carries), or None: forged,
    expired, re-keyed or erased links lead nowhere."""
    try:
        fields = token_read(purpose=GUEST_PURPOSE, token=token, now=time.time()).fields
    except (TokenInvalid, TokenExpired):
        return None
    if len(fields) != 2 or not fields[0].isdigit():
        return None
    guest = SessionGuest.objects.select_related("session").filter(pk=int(fields[0]), erased_at__isnull=True).first()
    if guest is None or guest.key.hex != fields[1]:
        return None
    return guest


def guest_add(*, session: LiveSession, name: str, email: str, by, base: str) -> SessionGuest:
    """Invite a guest to a season-wide session (staff only); the e-mail with the personal link
    leaves through Celery once the row is committed."""
    if not user_has_role(user=by, role="staff"):
        raise PermissionDenied(_("Only staff may invite guests."))
    if session.kind != LiveSession.Kind.SEASON:
        raise ValidationError({"session": [_("Guests are invited to season-wide sessions only.")]})
    if session.state_at(timezone.now()) == LiveSession.State.ENDED:
        raise ValidationError({"session": [_("The session has ended: nobody can be invited to it.")]})
    if not (text_storable(name) and text_storable(email)):
        raise ValidationError({"name": [_("This text holds a NUL character, which cannot be stored.")]})
    guest = SessionGuest(session=session, name=name.strip(), email=email.strip(), invited_by=by)
    guest.full_clean()
    with transaction.atomic():
        guest.save()
        transaction.on_commit(lambda: _invitation_enqueue(guest_id=guest.pk, base=base))
    return guest


def _invitation_enqueue(*, guest_id: int, base: str) -> None:
    from live.tasks import guest_invitation_send_task

    guest_invitation_send_task.delay(guest_id, base)


def guest_invitation_send(*, guest_id: int, base: str) -> bool:
    """E-mail the guest their link: claimed with a conditional UPDATE, sent, marked sent; a failed
    send releases the claim and raises (the task retries), so the guest gets it once. False when it
    was sent already, is being sent, or the guest was erased."""
    guest = SessionGuest.objects.select_related("session").filter(pk=guest_id, erased_at__isnull=True).first()
    if guest is None:
        return False
    rows = SessionGuest.objects.filter(pk=guest_id, sent_at__isnull=True, erased_at__isnull=True)
    stale = timezone.now() - timedelta(seconds=conf.guest_email_claim_seconds())
    if not rows.filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale)).update(claimed_at=timezone.now()):
        return False
    with translation.override(settings.LANGUAGE_CODE):
        when = timezone.localtime(guest.session.starts_at).strftime("%d.%m.%Y %H:%M")
        body = "\n".join(
            [
                _("Dear %(name)s,") % {"name": guest.name},
                _("you are invited to “%(title)s”, %(when)s.") % {"title": guest.session.title, "when": when},
                _("Your personal link (do not forward it): %(link)s") % {"link": guest_link(guest=guest, base=base)},
            ]
        )
        subject = _("Invitation: %(title)s") % {"title": guest.session.title}
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [guest.email], connection=get_connection())
    except BaseException:
        rows.update(claimed_at=None)
        raise
    rows.update(sent_at=timezone.now())
    return True


def guest_join_record(*, guest: SessionGuest) -> None:
    """The guest's first joining, for staff's count (a conditional UPDATE: the first time stays)."""
    SessionGuest.objects.filter(pk=guest.pk, joined_at__isnull=True).update(joined_at=timezone.now())


def guest_erase(*, guest: SessionGuest, by) -> SessionGuest:
    """Staff erase the guest's name and e-mail (their link stops working); whether they joined stays
    counted, without who."""
    if not user_has_role(user=by, role="staff"):
        raise PermissionDenied(_("Only staff may erase guests."))
    guest.name, guest.email, guest.erased_at = "", "", timezone.now()
    guest.full_clean()
    guest.save(update_fields=["name", "email", "erased_at"])
    return guest


class GuestVisitor:
    """A guest as a room sees a person: a name and an id no room event maps back to a user
    (`prk-user-guest-…` is no user id: live.rooms.base.user_id_from_external), so whatever the room
    reports of them never enters participants' attendance."""

    is_authenticated = False

    def __init__(self, guest: SessionGuest):
        self.pk = f"guest-{guest.pk}"
        self.username = guest.name

    def get_full_name(self) -> str:
        return self.username


def guest_join_url(*, guest: SessionGuest) -> str:
    """Where the guest's link sends them now: the room, while joining is open (JoinNotOpen before
    and after) and the room is ready (RoomNotReady); the first joining is recorded."""
    from live.rooms.registry import room_backend
    from live.services.sessions import JoinNotOpen, RoomNotReady

    session = guest.session
    if not session.joinable_at(timezone.now()):
        raise JoinNotOpen
    room = room_backend(session.delivery)
    if not room.ready(session):
        raise RoomNotReady
    url = room.join_url(session, GuestVisitor(guest))
    guest_join_record(guest=guest)
    return url
