import time
from urllib.parse import unquote, urlsplit

import pytest
from django.core.files.storage import default_storage
from django.utils import translation
from django.utils.translation import gettext

from media.selectors import video_hls_url, video_playback_url, video_poster_url
from media.services import video_asset_transcode
from media.tokens import playback_token_make
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready_asset(asset_from, clip_small_silent):
    return video_asset_transcode(asset_id=asset_from(clip_small_silent).pk)


@pytest.fixture
def viewer(client):
    user = UserFactory()
    client.force_login(user)
    return user


def uri_lines(body: bytes) -> list[str]:
    return [line for line in body.decode().splitlines() if line and not line.startswith("#")]


def test_the_whole_stream_is_reachable_through_signed_playlists(client, viewer, ready_asset):
    master = client.get(video_playback_url(asset=ready_asset, user_id=viewer.pk))
    assert master.status_code == 200
    assert master["Content-Type"] == "application/vnd.apple.mpegurl"
    assert "no-store" in master["Cache-Control"]
    [variant] = uri_lines(master.content)
    assert "token=" in variant
    base = urlsplit(master.request["PATH_INFO"]).path.rsplit("/", 1)[0]
    playlist = client.get(f"{base}/{variant}")
    assert playlist.status_code == 200
    segments = uri_lines(playlist.content)
    assert segments and all("token=" in uri for uri in segments)
    variant_dir = variant.split("?")[0].rsplit("/", 1)[0]
    segment = client.get(f"{base}/{variant_dir}/{segments[0]}")
    assert segment.status_code == 200
    assert segment["Content-Type"] == "video/mp2t"
    assert b"".join(segment.streaming_content)[:1] == b"G"  # MPEG-TS sync byte


def test_range_requests_get_206_with_content_range(client, viewer, ready_asset):
    token = playback_token_make(user_id=viewer.pk, asset_id=ready_asset.pk, ttl=60)
    url = video_hls_url(asset_id=ready_asset.pk, name="v0/seg_00000.ts", token=token)
    size = default_storage.size(f"{ready_asset.hls_path}/v0/seg_00000.ts")
    with default_storage.open(f"{ready_asset.hls_path}/v0/seg_00000.ts", "rb") as handle:
        stored = handle.read()

    partial = client.get(url, HTTP_RANGE="bytes=100-299")
    assert partial.status_code == 206
    assert partial["Content-Range"] == f"bytes 100-299/{size}"
    assert b"".join(partial.streaming_content) == stored[100:300]

    tail = client.get(url, HTTP_RANGE="bytes=-50")
    assert tail.status_code == 206 and b"".join(tail.streaming_content) == stored[-50:]

    assert client.get(url, HTTP_RANGE=f"bytes={size + 10}-").status_code == 416
    whole = client.get(url)
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"


def test_a_range_of_5000_digits_is_ignored_not_a_500(client, viewer, ready_asset):
    token = playback_token_make(user_id=viewer.pk, asset_id=ready_asset.pk, ttl=60)
    url = video_hls_url(asset_id=ready_asset.pk, name="v0/seg_00000.ts", token=token)
    size = default_storage.size(f"{ready_asset.hls_path}/v0/seg_00000.ts")
    for header in ("bytes=" + "9" * 5000 + "-", "bytes=0-" + "9" * 5000, "bytes=-" + "9" * 5000):
        response = client.get(url, HTTP_RANGE=header)
        assert response.status_code == 200  # a malformed range is ignored (RFC 9110): the whole file
        assert int(response["Content-Length"]) == size


def test_forged_token_is_refused(client, viewer, ready_asset):
    token = playback_token_make(user_id=viewer.pk, asset_id=ready_asset.pk, ttl=60)
    forged = token[:-4] + ("0000" if not token.endswith("0000") else "1111")
    response = client.get(video_hls_url(asset_id=ready_asset.pk, name="master.m3u8", token=forged))
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/plain")
    assert client.get(video_hls_url(asset_id=ready_asset.pk, name="master.m3u8", token="garbage")).status_code == 403


def test_token_of_another_asset_is_refused(client, viewer, ready_asset):
    token = playback_token_make(user_id=viewer.pk, asset_id=ready_asset.pk + 1, ttl=60)
    assert client.get(video_hls_url(asset_id=ready_asset.pk, name="master.m3u8", token=token)).status_code == 403


def test_expired_token_is_refused(client, viewer, ready_asset, settings):
    settings.MEDIA_PLAYBACK_TOKEN_TTL = -1
    url = video_playback_url(asset=ready_asset, user_id=viewer.pk)
    response = client.get(url)
    assert response.status_code == 403
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        expected = gettext("This video link has expired; reload the page to get a new one.")
    assert response.content.decode() == expected


def _message(response, text: str) -> str:
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        return gettext(text)


def test_another_users_token_is_refused(client, viewer, ready_asset):
    other = UserFactory()
    response = client.get(video_playback_url(asset=ready_asset, user_id=other.pk))
    assert response.status_code == 403
    assert response.content.decode() == _message(response, "This video link was issued to another user.")


def test_without_a_session_the_signed_url_is_the_credential(client, ready_asset):
    """A client authenticated by an API token has no session: the URL the API gave it plays."""
    user = UserFactory()
    master = client.get(video_playback_url(asset=ready_asset, user_id=user.pk))
    assert master.status_code == 200
    assert uri_lines(master.content)


@pytest.mark.parametrize(
    ("ttl", "token", "text"),
    [
        (-1, None, "This video link has expired; reload the page to get a new one."),
        (60, "garbage", "This video link is not valid."),
    ],
)
def test_without_a_session_a_bad_url_says_what_is_wrong(client, ready_asset, settings, ttl, token, text):
    settings.MEDIA_PLAYBACK_TOKEN_TTL = ttl
    user = UserFactory()
    url = video_playback_url(asset=ready_asset, user_id=user.pk)
    if token:
        url = video_hls_url(asset_id=ready_asset.pk, name="master.m3u8", token=token)
    response = client.get(url)
    assert response.status_code == 403
    assert response.content.decode() == _message(response, text)


def test_path_tricks_are_not_served(client, viewer, ready_asset):
    token = playback_token_make(user_id=viewer.pk, asset_id=ready_asset.pk, ttl=60)
    for name in ["../../sources/x.mp4", "v0/../../x.ts", "master.txt", "v0/missing.ts"]:
        assert client.get(video_hls_url(asset_id=ready_asset.pk, name=name, token=token)).status_code == 404


def test_hls_files_are_not_under_media_url(client, viewer, ready_asset):
    assert client.get(f"/media/{ready_asset.hls_path}/master.m3u8").status_code == 404


def test_accel_redirect_hands_segments_to_nginx(client, viewer, ready_asset, settings):
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = "/protected-media/"
    token = playback_token_make(user_id=viewer.pk, asset_id=ready_asset.pk, ttl=60)
    response = client.get(video_hls_url(asset_id=ready_asset.pk, name="v0/seg_00000.ts", token=token))
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-media/{ready_asset.hls_path}/v0/seg_00000.ts"
    assert response.content == b""
    # Playlists still pass through Django: their URIs need the token.
    playlist = client.get(video_hls_url(asset_id=ready_asset.pk, name="v0/index.m3u8", token=token))
    assert "X-Accel-Redirect" not in playlist and b"token=" in playlist.content


def test_playback_url_needs_a_published_rendition(asset_from, clip_small_silent):
    asset = asset_from(clip_small_silent)
    with pytest.raises(ValueError):
        video_playback_url(asset=asset, user_id=1)


def test_token_expiry_is_the_ttl_read_at_call_time(viewer, ready_asset, settings):
    settings.MEDIA_PLAYBACK_TOKEN_TTL = 120
    url = video_playback_url(asset=ready_asset, user_id=viewer.pk)
    expires = int(unquote(url.split("token=")[1]).split(":")[2])
    assert abs(expires - (time.time() + 120)) < 5


def test_poster_is_served_with_a_token(client, viewer, ready_asset):
    response = client.get(video_poster_url(asset=ready_asset, user_id=viewer.pk))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"  # a JPEG
    assert client.get(video_hls_url(asset_id=ready_asset.pk, name="poster.jpg", token="1.2.3")).status_code == 403


def test_selectors_query_counts(django_assert_num_queries, ready_asset, viewer):
    from media.selectors import video_asset_get, video_asset_list_by_ids

    with django_assert_num_queries(1):  # the asset row
        assert video_asset_get(asset_id=ready_asset.pk) == ready_asset
    with django_assert_num_queries(0):  # signing needs no database
        video_playback_url(asset=ready_asset, user_id=viewer.pk)
    with django_assert_num_queries(1):  # one query whatever the number of ids
        assert list(video_asset_list_by_ids(asset_ids=[ready_asset.pk, ready_asset.pk + 1])) == [ready_asset]
