"""The short-lived tokens of the hot paths (beat keys, presence keys, playback URLs): one format,
one expiry rule, one key rotation.

A token is `field:field:…:expires:signature`, the signature an HMAC-SHA256 with a key derived from
the token's purpose and SECRET_KEY, so a key for one purpose never passes for another. Reading a
token also accepts the keys of SECRET_KEY_FALLBACKS, so rotating SECRET_KEY does not cut every
viewer off mid-lecture: tokens signed before live out their (short) lifetime. The keyed HMAC is
built once per purpose and key and copied per token, since these are read on every beat.

Links that live a day and carry no hot path (join links) keep `django.core.signing`."""

import base64
import hashlib
import hmac
import math
from collections.abc import Sequence
from functools import cache
from typing import NamedTuple

from django.conf import settings
from django.core.signals import setting_changed

SEPARATOR = ":"


class TokenInvalid(Exception):
    """Missing, malformed, forged, or signed for another purpose."""


class TokenExpired(Exception):
    """Genuine, but past its expiry; the fields are still readable (to say what to renew)."""

    def __init__(self, fields: list[str], expires: int):
        super().__init__("expired")
        self.fields = fields
        self.expires = expires


class SignedToken(NamedTuple):
    fields: list[str]
    expires: int


@cache
def _keyed(purpose: str, secret: str):
    return hmac.new(hashlib.sha256(f"lms.signing:{purpose}:{secret}".encode()).digest(), digestmod=hashlib.sha256)


@cache
def _readers(purpose: str) -> tuple:
    """The keyed HMACs a token of this purpose is checked against: SECRET_KEY's, then those of
    SECRET_KEY_FALLBACKS. Kept until either setting changes: reading the two settings cost more
    per beat than the HMAC."""
    secrets = (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ()))
    return tuple(_keyed(purpose, secret) for secret in secrets)


def _forget_readers(*, setting: str, **kwargs) -> None:
    if setting in ("SECRET_KEY", "SECRET_KEY_FALLBACKS"):
        _readers.cache_clear()


setting_changed.connect(_forget_readers, dispatch_uid="lms.signing.readers")


def _signature_bytes(keyed, payload: bytes) -> bytes:
    mac = keyed.copy()
    mac.update(payload)
    return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=")


def _signature(purpose: str, secret: str, payload: str) -> str:
    return _signature_bytes(_keyed(purpose, secret), payload.encode()).decode()


def token_sign(*, purpose: str, fields: Sequence[object], expires: float) -> str:
    parts = [str(field) for field in fields]
    if any(SEPARATOR in part for part in parts):
        raise ValueError(f"a signed token's field may not contain {SEPARATOR!r}")
    payload = SEPARATOR.join([*parts, str(math.ceil(expires))])
    return f"{payload}{SEPARATOR}{_signature(purpose, settings.SECRET_KEY, payload)}"


def token_read(*, purpose: str, token: str | None, now: float) -> SignedToken:
    """The fields of a genuine token for this purpose that has not expired at `now`."""
    payload, _sep, signature = (token or "").rpartition(SEPARATOR)
    if not payload or not signature:
        raise TokenInvalid
    data, sent = payload.encode(), signature.encode()
    for keyed in _readers(purpose):
        if hmac.compare_digest(_signature_bytes(keyed, data), sent):
            break
    else:
        raise TokenInvalid
    *fields, expires = payload.split(SEPARATOR)
    if not expires.isascii() or not expires.isdigit() or len(expires) > 12:
        raise TokenInvalid
    if now >= int(expires):
        raise TokenExpired(fields, int(expires))
    return SignedToken(fields, int(expires))
