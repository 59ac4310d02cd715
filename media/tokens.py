"""Signed, expiring playback tokens (lms.signing): the user and the asset, with an expiry.

The signed URL is the credential for the video files, not the browser session: a client that
authenticates with an API token (no session cookie) plays the `playback_url` the API handed it.
It is bound to the user it was issued to — a browser logged in as someone else is refused — and
short-lived (MEDIA_PLAYBACK_TOKEN_TTL, five minutes by default)."""

import time

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from lms.signing import TokenExpired, TokenInvalid, token_read, token_sign

PURPOSE = "media.playback-token"


def playback_token_make(*, user_id: int, asset_id: int, ttl: int) -> str:
    return token_sign(purpose=PURPOSE, fields=[user_id, asset_id], expires=time.time() + ttl)


def playback_token_check(*, token: str, asset_id: int, user_id: int | None) -> None:
    """Raise PermissionDenied, with a reason a person can read, unless the token is valid now for
    this asset. `user_id` is the session's user (None without a session): a session of another
    user than the token's is refused, since a link passed on stays its issuer's."""
    try:
        fields = token_read(purpose=PURPOSE, token=token, now=time.time()).fields
        expired = False
    except TokenInvalid:
        raise PermissionDenied(_("This video link is not valid.")) from None
    except TokenExpired as error:
        fields, expired = error.fields, True
    # Another asset's token is not valid here, expired or not (as when the asset was signed over).
    if len(fields) != 2 or fields[1] != str(asset_id):
        raise PermissionDenied(_("This video link is not valid."))
    if expired:
        raise PermissionDenied(_("This video link has expired; reload the page to get a new one."))
    if user_id is not None and str(user_id) != fields[0]:
        raise PermissionDenied(_("This video link was issued to another user."))
