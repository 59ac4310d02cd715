"""Signed, expiring playback tokens: HMAC over user, asset and expiry with a key derived from SECRET_KEY."""

import time

from django.core.exceptions import PermissionDenied
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from lms.numbers import whole_number

SALT = "media.playback-token"


def _signature(*, user_id: int, asset_id: int, expires: int) -> str:
    return salted_hmac(SALT, f"{user_id}:{asset_id}:{expires}", algorithm="sha256").hexdigest()


def playback_token_make(*, user_id: int, asset_id: int, ttl: int) -> str:
    expires = int(time.time()) + ttl
    return f"{user_id}.{expires}.{_signature(user_id=user_id, asset_id=asset_id, expires=expires)}"


def playback_token_check(*, token: str, asset_id: int, user_id: int | None) -> None:
    """Raise PermissionDenied, with a reason a person can read, unless the token is valid now for
    this asset and was issued to this (logged-in) user."""
    parts = (token or "").split(".")
    token_user, expires = (whole_number(part, digits=20) for part in parts[:2]) if len(parts) == 3 else (None, None)
    if token_user is None or expires is None:
        raise PermissionDenied(_("This video link is not valid."))
    expected = _signature(user_id=token_user, asset_id=asset_id, expires=expires)
    if not constant_time_compare(expected, parts[2]):
        raise PermissionDenied(_("This video link is not valid."))
    if expires < time.time():
        raise PermissionDenied(_("This video link has expired; reload the page to get a new one."))
    if user_id is None or user_id != token_user:
        raise PermissionDenied(_("This video link was issued to another user."))
