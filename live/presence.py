"""Signed presence keys: the credential of the presence-beat endpoint.

The session page (and the key renewal API), cookie-authenticated and deciding membership with the
database, hand the participant a short-lived key: an HMAC (key derived from SECRET_KEY) over the
user, the session, when the session's beats open and close, and the key's own expiry. A beat then
needs neither the database nor the session store: the endpoint checks the signature and the
server's clock and appends the beat to the Redis buffer.

The page renews the key well before it expires, so a change reaches beats within one key lifetime
(LIVE_PRESENCE_KEY_SECONDS): a participant moved to another track gets no new key, a session the
speaker started early opens at the next renewal, and one ended early closes (its key never outlives
the session's end plus the grace for late beats)."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

SALT = "live.presence-key"
HEADER = "X-Presence-Key"


class PresenceKeyExpired(PermissionDenied):
    """A genuine key past its expiry: the page renews it (the renewal decides with the database)."""


@dataclass(frozen=True)
class PresenceKey:
    user_id: int
    session_id: int
    opens_at: int  # epoch seconds: beats are taken from here ...
    closes_at: int  # ... to here (the session's end plus the grace for late beats)
    expires_at: int

    @property
    def payload(self) -> str:
        return f"{self.user_id}:{self.session_id}:{self.opens_at}:{self.closes_at}:{self.expires_at}"


def _signature(payload: str) -> str:
    return salted_hmac(SALT, payload, algorithm="sha256").hexdigest()


def presence_key_make(*, claims: PresenceKey) -> str:
    return f"{claims.payload}:{_signature(claims.payload)}"


def presence_key_read(*, key: str | None, session_id: int, now: float) -> PresenceKey:
    """The claims of a genuine key for this session, for a beat received at `now` (server time).

    PermissionDenied for a missing, forged or foreign key, PresenceKeyExpired for an expired one;
    ValidationError when the session is not open yet or long closed."""
    if not key:
        raise PermissionDenied(
            _("A presence key (the X-Presence-Key header) is required: the session page hands one out.")
        )
    payload, _sep, signature = key.rpartition(":")
    if not constant_time_compare(_signature(payload), signature):
        raise PermissionDenied(_("This presence key is not valid: reload the session page."))
    try:
        claims = PresenceKey(*(int(part) for part in payload.split(":")))
    except (TypeError, ValueError):  # signed by us, so only a format change gets here
        raise PermissionDenied(_("This presence key is not valid: reload the session page.")) from None
    if claims.session_id != session_id:
        raise PermissionDenied(_("This presence key was issued for another session."))
    if now < claims.opens_at:
        raise ValidationError({"session": [_("The session is not open yet.")]})
    if now > claims.closes_at:
        raise ValidationError({"session": [_("The session has ended.")]})
    if now >= claims.expires_at:
        raise PresenceKeyExpired(_("This presence key has expired: the page renews it; reload it if this persists."))
    return claims
