"""Media on S3 (django-storages against moto's in-process mock): segments and posters are handed to
the browser as short-lived presigned URLs of the bucket, after the same token check."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core.files.storage import default_storage

from media.models import VideoAsset
from media.selectors import video_hls_url, video_playback_url
from media.services import video_asset_transcode
from media.tokens import playback_token_make
from tests.factories import UserFactory

moto = pytest.importorskip("moto")
pytestmark = pytest.mark.django_db
BUCKET = "lms-media-test"


@pytest.fixture
def s3_storage(settings):
    with moto.mock_aws():
        import boto3

        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
        settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage"}}
        settings.AWS_STORAGE_BUCKET_NAME = BUCKET
        settings.AWS_S3_REGION_NAME = "us-east-1"
        settings.AWS_S3_ACCESS_KEY_ID = "test"
        settings.AWS_S3_SECRET_ACCESS_KEY = "test"
        settings.AWS_S3_SIGNATURE_VERSION = "s3v4"
        settings.MEDIA_STORAGE_URL_TTL = 45
        # Set for local disk; the object storage's redirect wins over it.
        settings.MEDIA_ACCEL_REDIRECT_PREFIX = "/protected-media/"
        yield default_storage


def test_a_segment_on_s3_is_redirected_to_a_presigned_url_after_the_token_check(
    s3_storage, asset_from, clip_small_silent, client
):
    asset = video_asset_transcode(asset_id=asset_from(clip_small_silent).pk)
    assert asset.state == VideoAsset.State.READY, asset.error_message
    user = UserFactory()
    client.force_login(user)

    master = client.get(video_playback_url(asset=asset, user_id=user.pk))
    assert master.status_code == 200 and b"v0/index.m3u8?token=" in master.content

    token = playback_token_make(user_id=user.pk, asset_id=asset.pk, ttl=60)
    segment = client.get(video_hls_url(asset_id=asset.pk, name="v0/seg_00000.ts", token=token))
    assert segment.status_code == 302
    assert segment["Cache-Control"] == "private, no-store"
    location = urlsplit(segment["Location"])
    query = parse_qs(location.query)
    assert location.path.endswith(f"{asset.hls_path}/v0/seg_00000.ts")
    assert BUCKET in location.netloc + location.path
    assert query["X-Amz-Expires"] == ["45"] and query["X-Amz-Signature"]
    assert "X-Accel-Redirect" not in segment
    fetched = requests.get(segment["Location"], timeout=10)
    assert fetched.status_code == 200 and fetched.content[:1] == b"G"  # MPEG-TS sync byte

    # No token, no redirect: the bucket's address is never handed out unchecked.
    refused = client.get(video_hls_url(asset_id=asset.pk, name="v0/seg_00000.ts", token="forged"))
    assert refused.status_code == 403 and "Location" not in refused
