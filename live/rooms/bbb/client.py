"""BigBlueButton's HTTP API from our side: every checksummed call, and the downloads of what it
points to, go through here and fail one way, as BbbError (a ValidationError on `bbb` that says
which call failed and how; a RoomError, as every room's), so a caller catches one exception
whatever broke.

Only `live.rooms` imports this module (an import-linter contract in pyproject.toml): the rest of
the project reaches BigBlueButton through the room backend (`live.rooms.bbb.backend`)."""

import hashlib
import shutil
import urllib.error
import urllib.request
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from urllib.parse import urlencode

from django.utils.translation import gettext as _

from live import conf
from live.rooms.base import RoomError


class BbbError(RoomError):
    """BigBlueButton (or the download of a file it points to) could not be asked or answered
    unreadably; a call it answered with FAILED is the caller's to read."""

    def __init__(self, message: str):
        super().__init__(message, field="bbb")


def api_checksum(*, call: str, query: str, secret: str, algorithm: str) -> str:
    """BBB hashes call name + the query string exactly as sent + the shared secret."""
    return hashlib.new(algorithm, f"{call}{query}{secret}".encode()).hexdigest()


def api_url(*, call: str, params: list[tuple[str, str]]) -> str:
    # The query string is built once and sent as hashed: BBB checks the bytes it receives.
    query = urlencode(params)
    checksum = api_checksum(call=call, query=query, secret=conf.bbb_secret(), algorithm=conf.bbb_checksum_algorithm())
    return f"{conf.bbb_url()}/api/{call}?{query}&checksum={checksum}"


def _opened(url: str, *, call: str, timeout: float):
    try:
        return urllib.request.urlopen(url, timeout=timeout)
    except urllib.error.HTTPError as error:
        # bbb-webhooks not installed answers 404 to hooks/create; say which call, not just "unreachable".
        raise BbbError(
            _("BigBlueButton answered HTTP %(status)s to %(call)s.") % {"status": error.code, "call": call}
        ) from error
    except OSError as error:
        raise BbbError(_("BigBlueButton is not reachable: %(error)s") % {"error": error}) from error


def api_call(*, call: str, params: list[tuple[str, str]], timeout: float = 10) -> ElementTree.Element:
    """One checksummed GET to BBB (or bbb-webhooks, which sits under the same API path): its XML answer."""
    try:
        with _opened(api_url(call=call, params=params), call=call, timeout=timeout) as response:
            content = response.read()
    except OSError as error:  # the connection broke mid-answer
        raise BbbError(_("BigBlueButton is not reachable: %(error)s") % {"error": error}) from error
    try:
        return ElementTree.fromstring(content)
    except ElementTree.ParseError as error:
        raise BbbError(_("BigBlueButton gave an unreadable answer.")) from error


def file_download(*, url: str, path: Path, timeout: float = 300) -> None:
    """A file BBB's answer points to (a recording's video), written to `path`."""
    try:
        with _opened(url, call="getRecordings", timeout=timeout) as response, open(path, "wb") as target:
            shutil.copyfileobj(response, target)
    except BbbError:
        raise
    except OSError as error:  # the connection broke mid-file
        raise BbbError(_("BigBlueButton is not reachable: %(error)s") % {"error": error}) from error
