"""Signed presence keys: the credential of the presence-beat endpoint.

The session page (and the key renewal API), cookie-authenticated and deciding membership with the
database, hand the participant a short-lived key (lms.signing: the format, the expiry and the key
rotation are the project's one signing helper) over the user, the session, when the session's
beats open and close, and the key's own expiry. A beat then needs neither the database nor the
session store: the endpoint checks the signature and the server's clock and appends the beat to
the Redis buffer.

The page renews the key well before it expires, so a change reaches beats within one key lifetime
(LIVE_PRESENCE_KEY_SECONDS): a participant moved to another track gets no new key, a session the
speaker started early opens at the next renewal, and one ended early closes (its key never outlives
the session's end plus the grace for late beats)."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from lms.numbers import whole_number
from lms.signing import TokenExpired, TokenInvalid, token_read, token_sign

PURPOSE = "live.presence-key"
HEADER = "X-Presence-Key"
# The header as a META name: the beat view reads it from there (lms.beatviews).
HEADER_META_KEY = "HTTP_" + HEADER.upper().replace("-", "_")


class PresenceKeyExpired(PermissionDenied):
    """A genuine key past its expiry: the page renews it (the renewal decides with the database)."""


@dataclass(frozen=True)
class PresenceKey:
    user_id: int
    session_id: int
    opens_at: int  # epoch seconds: beats are taken from here ...
    closes_at: int  # ... to here (the session's end plus the grace for late beats)
    expires_at: int


def presence_key_make(*, claims: PresenceKey) -> str:
    return token_sign(
        purpose=PURPOSE,
        fields=[claims.user_id, claims.session_id, claims.opens_at, claims.closes_at],
        expires=claims.expires_at,
    )


def _claims(fields: list[str], expires: int) -> PresenceKey:
    numbers = [whole_number(field) for field in fields]
    if len(numbers) != 4 or None in numbers:  # signed by us, so only a format change gets here
        raise PermissionDenied(_("This presence key is not valid: reload the session page."))
    return PresenceKey(*numbers, expires_at=expires)


def presence_key_read(*, key: str | None, session_id: int, now: float) -> PresenceKey:
    """The claims of a genuine key for this session, for a beat received at `now` (server time).

    PermissionDenied for a missing, forged or foreign key, PresenceKeyExpired for an expired one;
    ValidationError when the session is not open yet or long closed (an expired key is checked for
    these first: a beat after the session's end is told so, not sent to renew)."""
    if not key:
        raise PermissionDenied(
            _("A presence key (the X-Presence-Key header) is required: the session page hands one out.")
        )
    expired = False
    try:
        token = token_read(purpose=PURPOSE, token=key, now=now)
        claims = _claims(token.fields, token.expires)
    except TokenInvalid:
        raise PermissionDenied(_("This presence key is not valid: reload the session page.")) from None
    except TokenExpired as error:
        claims, expired = _claims(error.fields, error.expires), True
    if claims.session_id != session_id:
        raise PermissionDenied(_("This presence key was issued for another session."))
    if now < claims.opens_at:
        raise ValidationError({"session": [_("The session is not open yet.")]})
    if now > claims.closes_at:
        raise ValidationError({"session": [_("The session has ended.")]})
    if expired:
        raise PresenceKeyExpired(_("This presence key has expired: the page renews it; reload it if this persists."))
    return claims
