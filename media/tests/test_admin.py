import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from lms.services import roles_sync
from media.models import VideoAsset
from media.services import file_too_large_message, video_asset_transcode
from media.tests.factories import VideoAssetFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client):
    roles_sync()
    user = UserFactory(username="editor")
    user.groups.add(Group.objects.get(name="editor"))
    client.force_login(user)
    return user


def test_editor_sees_the_listing_with_state_and_progress(client, editor):
    VideoAssetFactory(title="Первая лекция", state="processing", progress=42)
    VideoAssetFactory(title="Сломанная", state="failed", error_message="The video has zero length.")

    response = client.get(reverse("media_videos:index"))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Первая лекция" in body and 'value="42"' in body
    assert "The video has zero length." in body
    assert "media/js/video-status.js" in body


def test_editor_uploads_a_video_and_it_is_queued(client, editor, clip_small_silent, django_capture_on_commit_callbacks):
    assert client.get(reverse("media_videos:add")).status_code == 200
    upload = SimpleUploadedFile("lecture.mp4", clip_small_silent.read_bytes(), content_type="video/mp4")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(reverse("media_videos:add"), {"title": "Лекция 1", "source": upload})

    assert response.status_code == 302
    asset = VideoAsset.objects.get()
    assert asset.title == "Лекция 1" and asset.created_by == editor and asset.state == "pending"
    assert len(queued) == 1


def test_a_file_name_over_255_bytes_is_shortened_not_a_500(client, editor, django_capture_on_commit_callbacks):
    name = "Лекция" * 22 + ".mp4"  # 132 Cyrillic letters: 264 bytes of UTF-8, over what a file system takes
    upload = SimpleUploadedFile(name, b"not really a video", content_type="video/mp4")
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("media_videos:add"), {"title": "", "source": upload})
    assert response.status_code == 302
    asset = VideoAsset.objects.get()
    stored = asset.source.name.rsplit("/", 1)[-1]
    assert len(stored.encode()) <= 255 and stored.startswith("Лекция") and stored.endswith(".mp4")
    assert asset.source.storage.exists(asset.source.name)


def test_too_large_upload_gets_a_clear_form_error(client, editor, settings):
    settings.MEDIA_MAX_UPLOAD_SIZE = 1024
    upload = SimpleUploadedFile("big.mp4", b"x" * 2048, content_type="video/mp4")

    response = client.post(reverse("media_videos:add"), {"title": "Большой", "source": upload})

    assert response.status_code == 200
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        expected = file_too_large_message(2048)
    assert response.context["form"].errors["source"] == [expected]
    assert not VideoAsset.objects.exists()


def test_upload_without_a_file_is_refused(client, editor):
    response = client.post(reverse("media_videos:add"), {"title": "Без файла"})
    assert response.status_code == 200
    assert "source" in response.context["form"].errors


def test_edit_page_shows_status_and_retranscode_action(client, editor):
    asset = VideoAssetFactory(state="failed", error_message="The video has zero length.")
    response = client.get(reverse("media_videos:edit", args=[asset.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert f'data-video-status="{asset.pk}"' in body
    assert reverse("media_videos:retranscode", args=[asset.pk]) in body


def test_retranscode_action_requeues_a_failed_video(client, editor, django_capture_on_commit_callbacks):
    asset = VideoAssetFactory(state="failed", error_message="broken")
    url = reverse("media_videos:retranscode", args=[asset.pk])
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(url)
    assert response.status_code == 302
    asset.refresh_from_db()
    assert asset.state == "pending" and asset.error_message == ""
    assert len(queued) == 1


def test_participant_cannot_reach_the_video_admin(client):
    roles_sync()
    user = UserFactory(username="participant")
    user.groups.add(Group.objects.get(name="participant"))
    client.force_login(user)
    assert client.get(reverse("media_videos:index")).status_code in (302, 403)


def test_chooser_lists_videos(client, editor):
    VideoAssetFactory(title="Для выбора", state="ready", duration=754.0, hls_path="video/hls/x")
    response = client.get(reverse("video_chooser:choose"))
    assert response.status_code == 200
    html = response.json()["html"]
    assert "Для выбора" in html and "12:34" in html
    results = client.get(reverse("video_chooser:choose_results"), {"q": "выбора"})
    assert results.status_code == 200 and "Для выбора" in results.content.decode()


def test_delete_removes_the_files(client, editor, asset_from, clip_small_silent, django_capture_on_commit_callbacks):
    from django.core.files.storage import default_storage

    asset = video_asset_transcode(asset_id=asset_from(clip_small_silent).pk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("media_videos:delete", args=[asset.pk]))
    assert response.status_code == 302
    assert not VideoAsset.objects.exists()
    assert not default_storage.exists(asset.source.name)
    assert not default_storage.exists(f"{asset.hls_path}/master.m3u8")


# ---------------------------------------------------------------- the status endpoint polled by the admin


def test_status_endpoint_reports_state_and_progress(client, editor):
    first = VideoAssetFactory(state="processing", progress=30)
    second = VideoAssetFactory(state="failed", error_message="bad")

    response = client.get(reverse("media:video-status-list"), {"ids": f"{first.pk},{second.pk}"})

    assert response.status_code == 200
    rows = {row["id"]: row for row in response.json()["results"]}
    assert rows[first.pk]["progress"] == 30 and rows[first.pk]["state"] == "processing"
    assert rows[second.pk]["error_message"] == "bad" and rows[second.pk]["published"] is False


def test_status_endpoint_query_count_is_flat(client, editor, django_assert_num_queries):
    assets = VideoAssetFactory.create_batch(3)
    url = reverse("media:video-status-list")
    client.get(url, {"ids": assets[0].pk})  # warm the session and permission caches
    # Expected (the session from the cache): user, group permissions, user permissions (permission check), the assets.
    for count in (2, 3):
        ids = ",".join(str(a.pk) for a in assets[:count])
        with django_assert_num_queries(4):
            assert len(client.get(url, {"ids": ids}).json()["results"]) == count


@pytest.mark.parametrize("ids", ["", "abc", "1,,x", ",".join(["1"] * 101)])
def test_status_endpoint_rejects_bad_ids(client, editor, ids):
    response = client.get(reverse("media:video-status-list"), {"ids": ids})
    assert response.status_code == 400
    assert "ids" in response.json()


def test_status_endpoint_is_for_editors_only(client):
    client.force_login(UserFactory())
    response = client.get(reverse("media:video-status-list"), {"ids": "1"})
    assert response.status_code == 403
