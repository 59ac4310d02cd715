"""Reads of the media app, for its own views and for other apps."""

from collections.abc import Iterable
from urllib.parse import urlencode

from django.db.models import Count, QuerySet
from django.urls import reverse

from media import conf
from media.models import VideoAsset
from media.tokens import playback_token_make
from media.transcoding import MASTER_PLAYLIST, POSTER_NAME


def video_asset_get(*, asset_id: int) -> VideoAsset | None:
    return VideoAsset.objects.filter(pk=asset_id).first()


def video_asset_list_by_ids(*, asset_ids: Iterable[int]) -> QuerySet[VideoAsset]:
    return VideoAsset.objects.filter(pk__in=list(asset_ids)).order_by("pk")


def video_hls_url(*, asset_id: int, name: str, token: str) -> str:
    path = reverse("media:video-hls", kwargs={"asset_id": asset_id, "name": name})
    return f"{path}?{urlencode({'token': token})}"


def video_playback_url(*, asset: VideoAsset, user_id: int) -> str:
    """The signed master-playlist URL of the published rendition for this user, valid for
    MEDIA_PLAYBACK_TOKEN_TTL seconds. The caller decides whether the user may watch; an asset
    with no published rendition yet (see `asset.hls_path`) raises ValueError."""
    if not asset.hls_path:
        raise ValueError(f"video {asset.pk} has no published rendition yet")
    token = playback_token_make(user_id=user_id, asset_id=asset.pk, ttl=conf.playback_token_ttl())
    return video_hls_url(asset_id=asset.pk, name=MASTER_PLAYLIST, token=token)


def video_playback_url_seconds() -> int:
    """How long a signed playback URL stays valid (MEDIA_PLAYBACK_TOKEN_TTL): whoever hands one
    out says when to ask for the next."""
    return conf.playback_token_ttl()


def video_poster_url(*, asset: VideoAsset, user_id: int) -> str:
    """The signed URL of the published rendition's poster frame (same token rules as the playlist)."""
    if not asset.hls_path:
        raise ValueError(f"video {asset.pk} has no published rendition yet")
    token = playback_token_make(user_id=user_id, asset_id=asset.pk, ttl=conf.playback_token_ttl())
    return video_hls_url(asset_id=asset.pk, name=POSTER_NAME, token=token)


def video_asset_state_counts() -> dict[str, int]:
    """How many videos are in each transcoding state (one query); every state is listed."""
    counts = dict(VideoAsset.objects.order_by().values_list("state").annotate(count=Count("pk")))
    return {state: counts.get(state, 0) for state in VideoAsset.State.values}
