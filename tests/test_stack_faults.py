"""The faults the stack survives (issue 14 §2), staged on the running stack of tests/test_stack.py
(the same `stack` fixture, tests/conftest.py): a participant's journey in Chromium through nginx,
then a gunicorn worker, Redis and the transcode worker killed, PostgreSQL out of reach for ten
seconds, a backup restored into a fresh stack — and, last, `make stack-stop` leaving nothing.

Each fault is staged the way it happens in production and undone by the stack itself: a process
is killed with SIGKILL and its keeper (`python -m lms.stack run`) starts it again; the database is
cut at the stack's proxy (lms/stack/dbproxy.py), never at the machine's shared server. Slow: runs
with CI=true or STACK_TESTS=1, skipped otherwise."""

import os
import re
import signal
import threading
import time
import uuid
from pathlib import Path

import pytest

from lms.stack import BUCKET, HOST, PORTS, control, s3_origin
from tests.plugin import axe_violations, browser_context, screenshot, wait_for
from tests.stackkit import (
    MARKS,
    SITE,
    admission_run,
    beat,
    browser_login,
    browser_session,
    db_rows,
    hls_segment_url,
    lecture_open,
    logged_in,
    metrics,
    requests,
    sample,
    stack_command,
    stack_start,
    token_session,
    video_status,
    video_upload,
)

pytestmark = MARKS

# The demo's final test of the introductory course (assessments/demo.py): its questions and their
# right answers — an option's text, or what to type.
ANSWERS = {
    "Какой документ имеет высшую юридическую силу в РФ?": ["Конституция"],
    "Что относится к органам исполнительной власти?": ["Министерство", "Федеральная служба"],
    "Сколько федеральных округов в России?": "8",
    "Как сокращённо называют региональный орган исполнительной власти?": "РОИВ",
    "Что такое ГИС?": ["Государственная информационная система"],
    "Как называется портал государственных услуг?": "Госуслуги",
}
FINAL_TEST = "Итоговый тест вводного курса"


@pytest.fixture
def stack_page(browser, stack):
    """A Chromium page for the stack (its self-signed certificate accepted); CSP violations fail."""
    with browser_context(browser, ignore_https_errors=True) as context:
        yield context.new_page()


def completeness(page) -> dict[str, dict]:
    """The participant's completeness per module (reads the database only: what the flush stored)."""
    answer = page.request.get(f"{SITE}/api/v1/me/completeness/")
    assert answer.status == 200
    return {module["module"]: module for module in answer.json()["modules"]}


def progress_stored(username: str, lecture_id: int) -> float | None:
    rows = db_rows(
        "SELECT p.watched_seconds FROM courses_lectureprogress p JOIN auth_user u ON u.id = p.user_id"
        " WHERE u.username = %s AND p.lecture_id = %s",
        username,
        lecture_id,
    )
    return rows[0][0] if rows else None


def group_members(group: int) -> set[int]:
    members = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == group and control.process_alive(int(entry.name)):
                    members.add(int(entry.name))
            except OSError:
                continue
    return members


def keeper_of(stack, name: str) -> int:
    """The pid of the `python -m lms.stack run NAME` keeping a process: honcho starts each Procfile
    line in a session of its own, so the keeper leads its process group."""
    return int((stack["pids"] / f"{name}.group").read_text())


# ---------------------------------------------------------------- a participant's journey


def test_a_participants_journey_through_nginx_in_chromium(stack, stack_page):
    page = stack_page
    browser_login(page, "demo-beginner")
    before = completeness(page)
    page.goto(f"{SITE}/cabinet/")
    figures_before = {
        module: page.locator(f"[data-testid=completeness-{module}]").inner_text() for module in ("recorded", "tests")
    }
    lectures = page.request.get(f"{SITE}/api/v1/lectures/").json()
    lecture = next(item for item in lectures if item["state"] == "open")
    assert lecture["title"] not in before["recorded"]["done"]

    # The lecture plays: HLS playlists from Django through nginx, segments by presigned redirect
    # from the object storage, beats to the beat endpoint.
    beats, segments = [], []

    def on_response(response) -> None:
        if f"/api/v1/lectures/{lecture['id']}/progress/" in response.url:
            beats.append(response.status)
        elif response.url.startswith(f"{s3_origin()}/{BUCKET}/video/hls/") and ".ts" in response.url:
            segments.append(response.status)

    page.on("response", on_response)
    page.goto(SITE + lecture["url"])
    page.wait_for_selector("video")
    page.evaluate("() => { const v = document.querySelector('video'); v.muted = true; return v.play(); }")
    page.wait_for_function("() => document.querySelector('video').ended", timeout=45_000)
    page.wait_for_function(
        "() => document.querySelector('[data-progress-text]').textContent"
        " === document.querySelector('[data-lecture-player]').dataset.completedText",
        timeout=15_000,
    )
    screenshot(page, "stack-journey-lecture")
    assert len(segments) >= 2 and set(segments) == {200}, segments
    assert len(beats) >= 2 and set(beats) == {200}, beats

    # Credited in Redis; the beat worker's flush (every few seconds) stores it, which the
    # completeness (the database only) then shows.
    recorded = wait_for(
        lambda: lecture["title"] in (module := completeness(page)["recorded"])["done"] and module,
        timeout=30,
        interval=1,
        message="the flush did not store the lecture's progress",
    )
    assert recorded["value"] > before["recorded"]["value"]

    # A test attempt through the quiz pages.
    page.goto(f"{SITE}/cabinet/")
    page.get_by_role("link", name=FINAL_TEST).click()
    page.get_by_role("button", name="Начать попытку").click()
    page.wait_for_selector("fieldset[data-question]")
    for question in page.locator("fieldset[data-question]").all():
        text = re.sub(r"^\d+\.\s*", "", question.locator("legend").inner_text()).strip()
        answer = ANSWERS[text]
        if isinstance(answer, str):
            question.locator("input").fill(answer)
        else:
            for option in answer:
                question.get_by_label(option, exact=True).check()
    with page.expect_navigation():
        page.locator("button[name=submit]").click()
    screenshot(page, "stack-journey-attempt")

    # The cabinet's figures: the lecture watched, the test passed.
    page.goto(f"{SITE}/cabinet/")
    assert "lecture-completed" in page.locator(f"[data-testid=lecture-{lecture['id']}]").get_attribute("class")
    assert completeness(page)["tests"]["value"] > before["tests"]["value"]
    for module, shown_before in figures_before.items():
        assert page.locator(f"[data-testid=completeness-{module}]").inner_text() != shown_before, module


# ---------------------------------------------------------------- processes killed


def gunicorn_workers(master: int) -> set[int]:
    return {int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()}


def test_a_gunicorn_worker_killed_under_requests_loses_only_what_it_had_in_flight(stack):
    master = control.process_pid("web")
    workers = gunicorn_workers(master)
    assert len(workers) == 3
    results: list = []
    stop = threading.Event()

    def load() -> None:
        session = browser_session()
        while not stop.is_set():
            try:
                results.append(session.get(f"{SITE}/accounts/login/", timeout=15).status_code)
            except requests.RequestException as error:
                results.append(type(error).__name__)

    threads = [threading.Thread(target=load) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    victim = min(workers)
    os.kill(victim, signal.SIGKILL)
    time.sleep(2.5)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)

    failures = [result for result in results if result != 200]
    # A sync worker serves one request at a time: the one it was serving is all that is lost (nginx
    # answers it 502; a POST is never replayed elsewhere).
    assert len(failures) <= 1, failures
    assert results.count(200) >= 20, results
    # gunicorn's master started a new worker in its place; the site answers.
    replaced = wait_for(
        lambda: len(workers_now := gunicorn_workers(master)) == 3 and victim not in workers_now and workers_now,
        timeout=20,
        message="gunicorn did not replace the killed worker",
    )
    assert replaced - workers
    assert browser_session().get(f"{SITE}/cabinet/", allow_redirects=False).status_code == 302


def test_redis_restarted_mid_playback_keeps_what_was_credited_and_the_retried_beat_counts_once(stack):
    session = logged_in("demo-pro")
    lecture, grant = lecture_open(session)
    playback = str(uuid.uuid4())
    refused_before = sample(metrics(), "lms_beats_refused_total", reason="store_unavailable")

    def send(seq: int, start: float, end: float, **extra):
        return beat(lecture, grant, playback_id=playback, seq=seq, rate=2.0, **{"from": start, "to": end}, **extra)

    assert send(0, 0.0, 0.0).json()["outcome"] == "opened"
    for seq, position in ((1, 2.0), (2, 4.0)):
        time.sleep(1.0)
        answer = send(seq, position - 2.0, position)
        assert answer.status_code == 200 and answer.json()["outcome"] == "credited", answer.text
    assert answer.json()["watched_seconds"] == 4.0
    # appendfsync everysec: what was credited more than a second ago is on disk.
    time.sleep(1.5)

    # Redis dies; its keeper is held for a few seconds, so the outage lasts long enough to be seen.
    redis_pid, keeper = control.process_pid("redis"), keeper_of(stack, "redis")
    os.kill(keeper, signal.SIGSTOP)
    try:
        os.kill(redis_pid, signal.SIGKILL)
        wait_for(lambda: not control.port_answers(PORTS.redis), timeout=10, message="Redis did not die")
        refused = send(3, 4.0, 6.0)
        assert refused.status_code == 503, refused.text
        assert refused.headers["Retry-After"] == "1" and refused.json()["detail"]
    finally:
        os.kill(keeper, signal.SIGCONT)
    wait_for(
        lambda: control.process_pid("redis") not in (None, redis_pid) and control.port_answers(PORTS.redis),
        timeout=30,
        message="Redis was not started again",
    )

    # The player keeps the stretch the server did not acknowledge and sends it again (a new seq,
    # from the acknowledged position), as soon as Redis has read its append-only file back.
    def retried():
        answer = send(4, 4.0, 8.0)
        return answer.status_code == 200 and answer

    answer = wait_for(retried, timeout=30, interval=0.5, message="the retried beat was never accepted")
    # The playback, its position and the 4 s credited before the restart are all there.
    assert (answer.json()["outcome"], answer.json()["watched_seconds"]) == ("credited", 8.0)
    # Sent twice (its answer lost on the way), it counts once.
    again = send(4, 4.0, 8.0)
    assert (again.json()["outcome"], again.json()["watched_seconds"]) == ("duplicate", 8.0)
    assert send(5, 8.0, 8.0, release=True).status_code == 200
    assert sample(metrics(), "lms_beats_refused_total", reason="store_unavailable") >= refused_before + 1
    wait_for(
        lambda: progress_stored("demo-pro", lecture["id"]) == 8.0,
        timeout=30,
        interval=1,
        message="the flush did not store the 8 s credited",
    )


def test_the_transcode_worker_killed_mid_transcode_finishes_the_video_once_when_it_comes_back(stack, tmp_path):
    from media.demo import make_clip

    clip = make_clip(tmp_path / "killed.mp4", seconds=40, width=960, height=540)
    editor = logged_in("demo-editor")
    ready_before = sample(metrics(), "lms_transcode_duration_seconds_count", result="ready")
    asset_id = video_upload(editor, clip, title="Killed mid-transcode")
    wait_for(
        lambda: (status := video_status(editor, asset_id))["state"] == "processing" and 5 <= status["progress"] < 70,
        timeout=60,
        interval=0.2,
        message="the transcode never got going",
    )
    (claimed_by,) = db_rows("SELECT claimed_by FROM media_videoasset WHERE id = %s", asset_id)[0]
    assert claimed_by.startswith("transcode@")
    worker = control.process_pid("worker_transcode")
    doomed = group_members(keeper_of(stack, "worker_transcode")) - {keeper_of(stack, "worker_transcode")}
    assert len(doomed) >= 3  # the worker, its pool process, the pool's ffmpeg

    os.kill(worker, signal.SIGKILL)
    wait_for(
        lambda: control.process_pid("worker_transcode") not in (None, worker),
        timeout=20,
        message="the transcode worker was not started again",
    )
    # Its pool process and ffmpeg went with it (nothing finishes the job behind the new worker's back).
    assert not [pid for pid in doomed if control.process_alive(pid)]

    seen = []

    def finished():
        status = video_status(editor, asset_id)
        seen.append((status["state"], status["progress"]))
        return status["state"] in ("ready", "failed")

    wait_for(finished, timeout=120, interval=0.5, message="the video was not finished within two minutes")
    assert seen[-1] == ("ready", 100), seen[-5:]
    (uid, hls_path, claim, claimed_by) = db_rows(
        "SELECT uid, hls_path, claim, claimed_by FROM media_videoasset WHERE id = %s", asset_id
    )[0]
    assert (claim, claimed_by) == (None, "")
    # Once: one transcode finished (counted just after it publishes), and the bucket holds one
    # rendition of the video, the published one.
    wait_for(
        lambda: sample(metrics(), "lms_transcode_duration_seconds_count", result="ready") == ready_before + 1,
        timeout=10,
        message="the finished transcode was not counted once",
    )
    listed = control.s3_client().list_objects_v2(Bucket=BUCKET, Prefix=f"video/hls/{uid}/")["Contents"]
    assert {item["Key"].split("/")[3] for item in listed} == {hls_path.split("/")[3]}

    # The killed worker's message comes back one day (after the broker's visibility timeout): it
    # finds the job done and does nothing.
    from celery import Celery

    broker = f"redis://{HOST}:{PORTS.redis}/0"
    redelivered = Celery(broker=broker, backend=broker).send_task(
        "media.video_asset_transcode_task", kwargs={"asset_id": asset_id}, queue="transcode"
    )
    assert redelivered.get(timeout=30) == "ready"
    assert db_rows("SELECT hls_path FROM media_videoasset WHERE id = %s", asset_id)[0][0] == hls_path
    assert sample(metrics(), "lms_transcode_duration_seconds_count", result="ready") == ready_before + 1


# ---------------------------------------------------------------- the database out of reach


def test_postgresql_out_of_reach_for_ten_seconds_pages_answer_503_and_beats_are_flushed_afterwards(stack, stack_page):
    session = logged_in("demo-young")
    # The grant reads the database: before the outage, as a participant watching already has it.
    lecture, grant = lecture_open(session)
    playback = str(uuid.uuid4())
    assert beat(lecture, grant, playback_id=playback, seq=0, **{"from": 0.0, "to": 0.0}).status_code == 200

    proxy = control.process_pid("db_proxy")
    os.kill(proxy, signal.SIGUSR1)
    cut = time.monotonic()
    position, seq, statuses = 0.0, 0, []
    try:
        # Pages: our own 503, in Russian, asking to try again; never a traceback.
        page = session.get(f"{SITE}/cabinet/")
        assert page.status_code == 503 and page.headers["Retry-After"] == "10"
        assert "<h1>Сервис ненадолго недоступен</h1>" in page.text and "Traceback" not in page.text
        api = session.get(f"{SITE}/api/v1/lectures/")
        assert api.status_code == 503 and api.headers["Content-Type"] == "application/json"
        assert api.json()["detail"].startswith("Сервис ненадолго недоступен")
        # In Chromium: readable, accessible, within the site's policy (the fixture fails on a CSP violation).
        # The home page: a Wagtail page read from the database (the login form needs none to be shown).
        shown = stack_page.goto(f"{SITE}/")
        assert shown.status == 503
        assert stack_page.locator("h1").inner_text() == "Сервис ненадолго недоступен"
        assert axe_violations(stack_page) == []
        screenshot(stack_page, "stack-database-away")
        # Beats keep being accepted (a second of the lecture a second): they need Redis only.
        while time.monotonic() - cut < 10:
            time.sleep(1.0)
            seq += 1
            answer = beat(lecture, grant, playback_id=playback, seq=seq, **{"from": position, "to": position + 1})
            statuses.append(answer.status_code)
            if answer.status_code == 200:
                position += 1
        # Nothing could be stored meanwhile: it waits in the stream.
        assert progress_stored("demo-young", lecture["id"]) in (None, 2.0)
    finally:
        control.database_path_open(proxy)
    assert set(statuses) == {200} and position >= 7, statuses

    # Back at once (kept connections are checked before reuse), and the flush stores what waited.
    assert session.get(f"{SITE}/cabinet/").status_code == 200
    last = beat(lecture, grant, playback_id=playback, seq=seq + 1, release=True, **{"from": position, "to": position})
    assert last.status_code == 200
    wait_for(
        lambda: progress_stored("demo-young", lecture["id"]) == position,
        timeout=30,
        interval=1,
        message=f"the flush did not store the {position} s credited",
    )


# ---------------------------------------------------------------- backups


def test_backup_and_restore_bring_a_fresh_stack_back_to_the_same_admission_run(stack, tmp_path):
    backups = {"STACK_BACKUP_DIR": str(tmp_path / "backups")}
    run = admission_run(token_session("demo-staff"))
    assert run["status"] == "done" and run["content_hash"]
    lecture, grant = lecture_open(logged_in("demo-beginner"))
    rendition = db_rows(
        "SELECT v.hls_path FROM media_videoasset v JOIN courses_lecturepage l ON l.video_id = v.id"
        " WHERE l.page_ptr_id = %s",
        lecture["id"],
    )[0][0]
    stack_command("backup", env=backups)
    (folder,) = (tmp_path / "backups").iterdir()
    assert (folder / "database.dump").stat().st_size > 0 and (folder / "manifest.json").exists()
    assert (folder / "bucket" / rendition / "master.m3u8").exists()

    # A fresh stack: its own database and bucket, without the run or the backed-up rendition.
    stack_command("stop", timeout=60)
    stack_start()
    assert db_rows("SELECT 1 FROM assessments_admissionrun WHERE id = %s", run["id"]) == []
    assert control.s3_client().list_objects_v2(Bucket=BUCKET, Prefix=f"{rendition}/").get("KeyCount", 0) == 0, (
        "a fresh stack shares nothing with the last one"
    )

    restored = stack_command("restore", env=backups)  # the latest
    assert folder.name in restored.stdout
    staff = token_session("demo-staff")
    again = staff.get(f"{SITE}/api/v1/admission-runs/{run['id']}/", params={"format": "json"}).json()
    assert (again["status"], again["content_hash"]) == ("done", run["content_hash"])
    # The video still plays: the restored database's rendition, from the restored bucket.
    session = logged_in("demo-beginner")
    lecture_again, grant = lecture_open(session, title=lecture["title"])
    assert lecture_again["id"] == lecture["id"]
    segment = session.get(hls_segment_url(session, grant), headers={"Origin": SITE})
    assert segment.status_code == 200 and len(segment.content) > 1000
    assert segment.url.startswith(f"{s3_origin()}/{BUCKET}/{rendition}/")


# ---------------------------------------------------------------- last: stop


def test_stack_stop_leaves_no_process(stack):
    started = control.stack_processes()
    names = {path.stem for path in stack["pids"].glob("*.pid")}
    assert names == {
        *("nginx", "web", "web2", "beats", "beats2", "worker_default", "worker_default2", "worker_transcode", "beat"),
        *("smtp", "redis", "s3", "db_proxy"),
    }
    assert len(set(started.values())) == len(names)
    supervisor = control.supervisor_pid()
    stack_command("stop", timeout=60)
    assert control.supervisor_pid() is None and not control.stack_processes()
    alive = [pid for pid in [supervisor, *started] if Path(f"/proc/{pid}").exists() and control.process_alive(pid)]
    assert alive == []
    assert not any(control.port_answers(port) for port in control.stack_ports())
