from django.urls import path

from media import apis, views

app_name = "media"

urlpatterns = [
    path("video/<int:asset_id>/hls/<path:name>", views.video_hls_file, name="video-hls"),
    path("api/v1/videos/status/", apis.VideoAssetStatusListApi.as_view(), name="video-status-list"),
]
