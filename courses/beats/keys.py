"""Signed beat keys: the credential of the progress endpoint.

The lecture page and API (cookie- or token-authenticated, where access is decided with the
database) hand the player a short-lived key (lms.signing), signed over the participant, the lecture, the key's
expiry and what judging a beat needs: the participant's deadline (extension applied), the probed
duration and the completion threshold. The beat endpoint then needs neither the database nor the
session store: it checks the signature and the clock, and runs the crediting script in Redis.

The key is renewed with the playback URL (every minute by the player), so a change reaches beats
within one renewal. An extension granted later takes effect at the next renewal, and at the latest
when the old key's deadline passes: that beat is refused with `renew`, the player renews (the
renewal reads the database, finds the extension and signs the new deadline) and sends the beat
again. A deadline moved earlier (an extension withdrawn, a date edited) reaches beats within the
key's lifetime (COURSES_BEAT_KEY_SECONDS)."""

import base64
import hashlib
import hmac
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from lms.signing import TokenExpired, TokenInvalid, token_read, token_sign

PURPOSE = "courses.beat-key"
HEADER = "X-Beat-Key"


class BeatKeyStale(PermissionDenied):
    """The key was genuine but no longer holds (expired, or its deadline passed): a renewed key may
    (the renewal decides with the database), so the player renews and retries once."""


class BeatKey(NamedTuple):
    user_id: int
    lecture_id: int
    expires: float
    deadline: float
    duration: float
    threshold: float
    # The participant's time zone where the key was handed out: beats carry no session, and a
    # refusal names the deadline in the participant's own time.
    zone: str = ""


def _stale() -> BeatKeyStale:
    return BeatKeyStale(_("This beat key has expired: the player renews it; reload the page if this persists."))


def _signed_before_lms_signing(key: str) -> bool:
    """Whether a key was genuinely signed by this module's own HMAC, before beat keys were signed by
    lms.signing. Players open at that upgrade hold such keys: they are stale (renewed at once), not
    forged (which would stop the player). Asked only of a refused key, never on a beat's hot path;
    after one key lifetime (COURSES_BEAT_KEY_SECONDS) past the upgrade no such key is left."""
    payload, _sep, signature = key.rpartition(":")
    secret = hashlib.sha256(b"courses.beat-key" + settings.SECRET_KEY.encode()).digest()
    expected = base64.urlsafe_b64encode(hmac.new(secret, payload.encode(), hashlib.sha256).digest()).rstrip(b"=")
    return hmac.compare_digest(expected, signature.encode())


def beat_key_make(
    *,
    user_id: int,
    lecture_id: int,
    deadline: float,
    duration: float,
    threshold: float,
    expires: float,
    zone: str = "",
) -> str:
    fields = [user_id, lecture_id, repr(deadline), repr(duration), repr(threshold), zone.replace(":", "")]
    return token_sign(purpose=PURPOSE, fields=fields, expires=expires)


def beat_key_read(*, key: str | None, lecture_id: int, now: float) -> BeatKey:
    """The claims of a genuine key for this lecture, valid at `now` (the server's receipt time).
    PermissionDenied with a reason otherwise; BeatKeyStale when a renewal may help."""
    if not key:
        raise PermissionDenied(
            _("A beat key (the X-Beat-Key header) is required: the lecture page and the lecture API hand one out.")
        )
    try:
        token = token_read(purpose=PURPOSE, token=key, now=now)
        fields, expires, expired = token.fields, token.expires, False
    except TokenInvalid:
        if _signed_before_lms_signing(key):
            raise _stale() from None
        raise PermissionDenied(_("This beat key is not valid: reload the lecture page.")) from None
    except TokenExpired as error:
        # Still genuine: another lecture's key is refused as such, expired or not.
        fields, expires, expired = error.fields, error.expires, True
    try:
        user_id, key_lecture_id, deadline, duration, threshold, zone = fields
        claims = BeatKey(
            int(user_id), int(key_lecture_id), float(expires), float(deadline), float(duration), float(threshold), zone
        )
    except ValueError:
        # Genuine but of an older shape (handed out before an upgrade): a renewal replaces it.
        raise _stale() from None
    if claims.lecture_id != lecture_id:
        raise PermissionDenied(_("This beat key was issued for another lecture."))
    if expired:
        raise _stale()
    return claims
