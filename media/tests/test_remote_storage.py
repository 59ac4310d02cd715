import pytest
from django.core.files.storage import default_storage

from media.models import VideoAsset
from media.selectors import video_hls_url
from media.services import video_asset_retranscode, video_asset_transcode
from media.tokens import playback_token_make
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def remote_storage(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "media.tests.remote_storage.RemoteLikeStorage"},
    }
    with pytest.raises(NotImplementedError):
        default_storage.path("x")
    return default_storage


def test_storage_without_local_paths_transcodes_serves_and_cleans_up(
    remote_storage, asset_from, clip_small_silent, client, django_capture_on_commit_callbacks
):
    asset = video_asset_transcode(asset_id=asset_from(clip_small_silent).pk)
    assert asset.state == VideoAsset.State.READY, asset.error_message
    assert remote_storage.exists(f"{asset.hls_path}/master.m3u8")

    user = UserFactory()
    client.force_login(user)
    token = playback_token_make(user_id=user.pk, asset_id=asset.pk, ttl=60)
    segment = client.get(
        video_hls_url(asset_id=asset.pk, name="v0/seg_00000.ts", token=token), HTTP_RANGE="bytes=0-187"
    )
    assert segment.status_code == 206 and b"".join(segment.streaming_content)[0:1] == b"G"

    old = asset.hls_path
    with django_capture_on_commit_callbacks(execute=False):
        video_asset_retranscode(asset_id=asset.pk)
    redone = video_asset_transcode(asset_id=asset.pk)
    assert redone.state == VideoAsset.State.READY and redone.hls_path != old
    assert not remote_storage.exists(f"{old}/master.m3u8")
    assert not remote_storage.exists(f"{old}/v0/seg_00000.ts")
