"""Registration for season-wide sessions (the closing meeting and its discussion panels): a
participant of the season takes a seat until the session starts, and gives it back until then."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from live.models import LiveSession, SessionRegistration
from lms.errors import ConflictError
from lms.selectors import participant_in_season


def _registration_refusal(*, session: LiveSession, user) -> None:
    if session.kind != LiveSession.Kind.SEASON:
        raise ValidationError({"session": [_("Registration is only for season-wide sessions.")]})
    participant = participant_in_season(user_id=user.pk, season_id=session.season_id) if user.is_authenticated else None
    if participant is None or participant.left_at is not None:
        raise PermissionDenied(_("Only participants of the session's season may register."))
    if timezone.now() >= session.starts_at:
        raise ValidationError({"session": [_("The session has started: registration is closed.")]})


def session_register(*, session: LiveSession, user) -> SessionRegistration:
    """Take a seat at a season-wide session.

    The session's row (and a panel's closing meeting's, first, always in that order) is locked
    while the seats are counted: of two requests for the last seat one wins and the other is
    refused with ConflictError (409), and of two panels of the same time slot asked for at once
    only one is granted."""
    _registration_refusal(session=session, user=user)
    with transaction.atomic():
        if session.parent_id:
            LiveSession.objects.select_for_update().filter(pk=session.parent_id).first()
        current = LiveSession.objects.select_for_update().get(pk=session.pk)
        if SessionRegistration.objects.filter(session=current, user=user).exists():
            raise ConflictError(_("You are already registered for this session."))
        if current.capacity is not None and current.registrations.count() >= current.capacity:
            raise ConflictError(_("All seats are taken: no place is left at this session."))
        if current.parent_id:
            clash = (
                SessionRegistration.objects.filter(
                    user=user,
                    session__parent_id=current.parent_id,
                    session__starts_at__lt=current.ends_at,
                    session__ends_at__gt=current.starts_at,
                )
                .select_related("session")
                .first()
            )
            if clash is not None:
                raise ConflictError(
                    _("You are registered for the panel “%(title)s” at the same time: unregister from it first.")
                    % {"title": clash.session.title}
                )
        registration = SessionRegistration(session=current, user=user)
        registration.full_clean()
        registration.save()
    return registration


def session_unregister(*, session: LiveSession, user) -> None:
    """Give the seat back, until the session starts."""
    if timezone.now() >= session.starts_at:
        raise ValidationError({"session": [_("The session has started: the registration can no longer be cancelled.")]})
    deleted, _rows = SessionRegistration.objects.filter(session=session, user=user).delete()
    if not deleted:
        raise ValidationError({"session": [_("You are not registered for this session.")]})
