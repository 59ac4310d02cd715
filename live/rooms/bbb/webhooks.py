"""bbb-webhooks and BBB's callbacks: our hook registered with it (`hooks/create`), and the
checks of what BigBlueButton sends us — the webhook checksum over the raw body, the analytics
callback's HS512 JWT, the recording-ready callback's HS256 `signed_parameters`."""

import hashlib
import hmac
import json
from datetime import datetime
from urllib.parse import parse_qs

import jwt
from django.urls import reverse
from django.utils.translation import gettext as _

from live import conf
from live.models import LiveSession
from live.rooms.bbb.client import BbbError, api_call

ALGORITHMS_BY_LENGTH = {40: "sha1", 64: "sha256", 96: "sha384", 128: "sha512"}


def webhook_callback_url(*, callback_base: str) -> str:
    """Our webhook endpoint exactly as registered: bbb-webhooks signs every callback with this
    string, and BbbWebhookApi checks the checksum against the same one (live/conf.py)."""
    return conf.bbb_webhook_callback_url() or f"{callback_base}{reverse('live-bbb-webhook')}"


def webhook_register(*, session: LiveSession, callback_base: str) -> str:
    """Register our webhook endpoint with bbb-webhooks (`hooks/create`) once per session; returns
    the hookID, which is stored, so a second start or re-create does not call again.

    The hook is global (no `meetingID`): bbb-webhooks keeps ONE hook per callback URL, whatever
    its meetingID, and answers every later registration of that URL with `duplicateWarning` and
    the first hook. A hook bound to the first session's meeting would leave every later session
    without events; a global one serves them all, and the receiver keeps only the events of
    meetings that are our sessions. `getRaw=false`: our parser reads the mapped events
    (`data.id`, `data.attributes`), not BBB's raw messages.
    """
    if session.bbb_hook_id:
        return session.bbb_hook_id
    root = api_call(
        call="hooks/create",
        params=[("callbackURL", webhook_callback_url(callback_base=callback_base)), ("getRaw", "false")],
    )
    hook_id = (root.findtext("hookID") or "").strip()
    message_key = root.findtext("messageKey") or ""
    # duplicateWarning: the URL is registered already (bbb-webhooks 2.x–3.x answer SUCCESS with
    # it; it is taken as success whatever the returncode), and hookID names that hook.
    registered = message_key == "duplicateWarning" or root.findtext("returncode") == "SUCCESS"
    if not registered or not hook_id:
        raise BbbError(
            _("BigBlueButton did not register our webhook (%(key)s): %(message)s")
            % {
                "key": message_key or root.findtext("returncode") or "?",
                "message": root.findtext("message") or _("no hook ID in the answer."),
            }
        )
    session.bbb_hook_id = hook_id
    session.save(update_fields=["bbb_hook_id"])
    return hook_id


def webhook_checksum_valid(*, callback_url: str, body: bytes, checksum: str, secret: str) -> bool:
    algorithm = ALGORITHMS_BY_LENGTH.get(len(checksum or ""))
    if algorithm is None or not secret:
        return False
    expected = hashlib.new(algorithm, callback_url.encode() + body + secret.encode()).hexdigest()
    return hmac.compare_digest(expected, checksum.lower())


def webhook_events(body: bytes) -> list[dict]:
    """The `event` form field holds a JSON array of mapped events (a bare object in old docs)."""
    fields = parse_qs(body.decode("utf-8"), keep_blank_values=True)
    raw = fields.get("event", [""])[0]
    try:
        parsed = json.loads(raw)
    except RecursionError as error:  # nested a thousand deep: unreadable like any other bad JSON
        raise ValueError("The event JSON is nested too deeply.") from error
    return parsed if isinstance(parsed, list) else [parsed]


def analytics_token_valid(*, authorization: str, secret: str, now: datetime) -> bool:
    """HS512 JWT whose only claim is `exp`: verify the signature, then the expiry against `now`."""
    if not authorization.startswith("Bearer ") or not secret:
        return False
    token = authorization[len("Bearer ") :].strip()
    try:
        claims = jwt.decode(token, secret, algorithms=["HS512"], options={"verify_exp": False, "require": ["exp"]})
    except jwt.InvalidTokenError:
        return False
    try:
        return int(claims["exp"]) >= int(now.timestamp())
    except (TypeError, ValueError, OverflowError):  # "x", [1], Infinity: a malformed token
        return False


def recording_ready_params(*, signed_parameters: str, secret: str) -> dict | None:
    try:
        return jwt.decode(signed_parameters, secret, algorithms=["HS256"])
    except jwt.InvalidTokenError:
        return None
