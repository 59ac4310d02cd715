"""Protected HLS delivery: every playlist, segment and poster request carries a signed token.

Django checks the token of each request and serves playlists itself (rewritten so every URI in them
carries the token). The bytes of segments and posters come from nginx (X-Accel-Redirect, local
storage with MEDIA_ACCEL_REDIRECT_PREFIX), from the object storage (a 302 to a presigned URL, S3),
or, in development, from Django itself."""

import posixpath
import re
from urllib.parse import quote

from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse, HttpResponseForbidden, HttpResponseRedirect, StreamingHttpResponse
from django.views.decorators.http import require_safe

from media import conf
from media.selectors import video_asset_get
from media.tokens import playback_token_check

CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".jpg": "image/jpeg",
}
STREAM_CHUNK = 64 * 1024
# Positions of at most 18 digits (an exabyte): a longer number is malformed, not a 500 from int().
RANGE_RE = re.compile(r"^bytes=(\d{0,18})-(\d{0,18})$")
URI_ATTRIBUTE_RE = re.compile(r'URI="([^"]+)"')


@require_safe
def video_hls_file(request, asset_id: int, name: str):
    user_id = request.user.pk if request.user.is_authenticated else None
    try:
        playback_token_check(token=request.GET.get("token", ""), asset_id=asset_id, user_id=user_id)
    except PermissionDenied as denied:
        return HttpResponseForbidden(str(denied), content_type="text/plain; charset=utf-8")
    extension = posixpath.splitext(name)[1].lower()
    clean = posixpath.normpath(name)
    if extension not in CONTENT_TYPES or clean != name or clean.startswith(("/", "..")) or "\\" in name:
        raise Http404
    asset = video_asset_get(asset_id=asset_id)
    if asset is None or not asset.hls_path:
        raise Http404
    storage_name = f"{asset.hls_path}/{clean}"
    if not default_storage.exists(storage_name):
        raise Http404
    if extension == ".m3u8":
        with default_storage.open(storage_name, "rb") as playlist:
            text = playlist.read().decode("utf-8")
        response = HttpResponse(_playlist_with_token(text, request.GET["token"]), content_type=CONTENT_TYPES[extension])
        # A playlist carries a token that expires; it must never be served from a cache.
        response["Cache-Control"] = "private, no-store"
        return response
    presigned = _presigned_url(storage_name)
    if presigned:
        # Object storage (S3): the browser fetches the bytes from it through a presigned URL that
        # expires in MEDIA_STORAGE_URL_TTL seconds; the redirect itself is never cached, since the
        # URL it points at dies.
        response = HttpResponseRedirect(presigned)
        response["Cache-Control"] = "private, no-store"
        return response
    prefix = conf.accel_redirect_prefix()
    if prefix:
        # nginx serves the bytes (with Range) from an `internal` location the public cannot reach.
        response = HttpResponse(content_type=CONTENT_TYPES[extension])
        response["X-Accel-Redirect"] = f"{prefix.rstrip('/')}/{quote(storage_name)}"
    else:
        response = _ranged_file_response(request, storage_name, CONTENT_TYPES[extension])
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _presigned_url(storage_name: str) -> str | None:
    """A short-lived URL of the file in the object storage (django-storages' remote backends sign
    one for `expire` seconds); None for local disk, or a remote storage that cannot presign."""
    try:
        default_storage.path(storage_name)
        return None
    except NotImplementedError:
        pass
    try:
        return default_storage.url(storage_name, expire=conf.storage_url_ttl())
    except NotImplementedError:
        return None


def _playlist_with_token(text: str, token: str) -> str:
    """Every URI in the playlist (variant playlists, segments, init maps) gets the same token."""
    suffix = f"token={quote(token)}"

    def signed(uri: str) -> str:
        return f"{uri}{'&' if '?' in uri else '?'}{suffix}"

    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            line = signed(stripped)
        elif stripped.startswith("#") and 'URI="' in stripped:
            line = URI_ATTRIBUTE_RE.sub(lambda match: f'URI="{signed(match.group(1))}"', line)
        lines.append(line)
    return "\n".join(lines) + "\n"


def _ranged_file_response(request, storage_name: str, content_type: str):
    """Stream a stored file, answering a single `Range: bytes=a-b` with 206 and Content-Range."""
    size = default_storage.size(storage_name)
    start, end = 0, size - 1
    status = 200
    header = request.headers.get("Range", "").strip()
    if header:
        match = RANGE_RE.match(header)
        if match and (match.group(1) or match.group(2)):
            first, last = match.group(1), match.group(2)
            if first:
                start = int(first)
                end = min(int(last), size - 1) if last else size - 1
            else:
                start = max(0, size - int(last))
            if start >= size or start > end:
                response = HttpResponse(status=416)
                response["Content-Range"] = f"bytes */{size}"
                return response
            status = 206
        # A malformed or multi-range header is ignored, as RFC 9110 allows: the whole file follows.
    handle = default_storage.open(storage_name, "rb")
    handle.seek(start)
    length = end - start + 1

    def chunks():
        remaining = length
        try:
            while remaining > 0:
                data = handle.read(min(STREAM_CHUNK, remaining))
                if not data:
                    break
                remaining -= len(data)
                yield data
        finally:
            handle.close()

    response = StreamingHttpResponse(chunks(), status=status, content_type=content_type)
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response
