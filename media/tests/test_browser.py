import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from lms.services import roles_sync
from media.models import VideoAsset
from media.tests.factories import VideoAssetFactory
from tests.factories import TEST_PASSWORD, UserFactory
from tests.plugin import axe_violations, login, screenshot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_editor_watches_the_progress_bar_move_on_the_listing(page):
    roles_sync()
    editor = UserFactory(username="video-editor")
    editor.groups.add(Group.objects.get(name="editor"))
    running = VideoAssetFactory(title="Лекция о проектном управлении", state="processing", progress=10)
    broken = VideoAssetFactory(title="Битый файл", state="failed", error_message="Файл не удалось прочитать как видео.")
    VideoAssetFactory(title="Готовая лекция", state="ready", progress=100, duration=3600.0, hls_path="video/hls/x")

    login(page, editor.username, TEST_PASSWORD)
    page.goto(f"{page.base_url}/cms/videos/")
    bar = page.locator(f'[data-video-status="{running.pk}"] progress')
    assert bar.get_attribute("value") == "10"

    # The worker reports progress; the page picks it up without a reload, then the final state.
    VideoAsset.objects.filter(pk=running.pk).update(progress=64)
    page.wait_for_function(f"() => document.querySelector('[data-video-status=\"{running.pk}\"] progress').value == 64")
    VideoAsset.objects.filter(pk=running.pk).update(
        state="ready", progress=100, duration=1200.0, hls_path="video/hls/y"
    )
    label = page.locator(f'[data-video-status="{running.pk}"] [data-video-status-label]')
    page.wait_for_function(
        f"() => document.querySelector('[data-video-status=\"{running.pk}\"]').dataset.state == 'ready'"
    )
    assert label.text_content() == "Готово"
    assert page.locator(f'[data-video-status="{running.pk}"] [data-video-status-progress]').is_hidden()
    assert page.get_by_text("Файл не удалось прочитать как видео.").is_visible()

    screenshot(page, "media-video-listing")
    assert axe_violations(page) == []

    page.goto(page.base_url + reverse("media_videos:add"))
    assert page.locator("input[type=file][name=source]").is_visible()
    screenshot(page, "media-video-upload")
    assert axe_violations(page) == []

    page.goto(page.base_url + reverse("media_videos:edit", args=[broken.pk]))
    retranscode = reverse("media_videos:retranscode", args=[broken.pk])
    assert page.locator(f'a[href="{retranscode}"]').count() >= 1
    assert page.locator(f'[data-video-status="{broken.pk}"]').get_by_text("Файл не удалось").is_visible()
    screenshot(page, "media-video-edit")
    assert axe_violations(page) == []
