"""`make stack` started for real (`python -m lms.stack start`, once for the run: the `stack` fixture
of tests/conftest.py) and used the way people and monitoring use it: through nginx over TLS, with
the production settings, the workers, beat, the SMTP sink, the stack's Redis and moto's S3. The
faults it survives, its backups and the check that `make stack-stop` leaves nothing are in
tests/test_stack_faults.py, which runs next on the same stack.

Slow and it takes the stack's ports: it runs in CI (CI=true) or when asked (STACK_TESTS=1), and is
skipped otherwise."""

import email
import email.policy
import re
import subprocess
import time
import uuid
from pathlib import Path

from lms.stack import BUCKET, HOST, PORTS, config, s3_origin
from tests.plugin import wait_for
from tests.stackkit import (
    MARKS,
    SITE,
    WEB,
    NodesInTurnSession,
    admission_run,
    browser_session,
    hls_segment_url,
    lecture_open,
    logged_in,
    metrics,
    requests,
    sample,
    token_session,
    video_status,
    video_upload,
)

pytestmark = MARKS


def test_https_answers_and_plain_http_redirects_to_it(stack):
    assert browser_session().get(f"{SITE}/").status_code == 200
    answer = requests.get(f"http://{HOST}:{PORTS.http}/cabinet/?from=mail", allow_redirects=False, timeout=10)
    assert answer.status_code == 301
    assert answer.headers["Location"] == f"{SITE}/cabinet/?from=mail"


def test_static_files_come_from_nginx_and_no_header_is_doubled(stack):
    session = browser_session()
    page = session.get(f"{SITE}/accounts/login/")
    # Django's own answer: its security headers once each (nginx adds none of its own here).
    assert page.raw.headers.getlist("Strict-Transport-Security") == ["max-age=60; includeSubDomains; preload"]
    assert len(page.raw.headers.getlist("X-Content-Type-Options")) == 1
    assert "X-Request-ID" in page.headers
    stylesheet = re.search(r'href="(/static/[^"]+\.css)"', page.text).group(1)
    static = session.get(f"{SITE}{stylesheet}")
    assert static.status_code == 200 and static.headers["Server"] == "nginx"
    # Collected under its hashed name and served from var/stack/static by nginx, not by Django
    # (Django's answers carry a request id).
    assert "X-Request-ID" not in static.headers
    assert static.raw.headers.getlist("Strict-Transport-Security") == ["max-age=60; includeSubDomains"]
    assert static.headers["X-Content-Type-Options"] == "nosniff"
    assert static.content == (stack["static"] / stylesheet.removeprefix("/static/")).read_bytes()


def test_a_login_over_https_gets_secure_cookies(stack):
    session = logged_in("demo-beginner")
    cookies = {cookie.name: cookie for cookie in session.cookies}
    assert cookies["sessionid"].secure and cookies["csrftoken"].secure
    assert session.get(f"{SITE}/cabinet/").status_code == 200


def test_an_hls_segment_is_delivered_from_the_object_storage_by_presigned_url(stack):
    session = logged_in("demo-beginner")
    _lecture, grant = lecture_open(session)
    segment_url = hls_segment_url(session, grant)
    redirect = session.get(segment_url, allow_redirects=False)
    assert redirect.status_code == 302
    location = redirect.headers["Location"]
    assert location.startswith(f"{s3_origin()}/{BUCKET}/video/hls/") and "X-Amz-Signature=" in location
    assert "X-Amz-Expires=60&" in location
    assert redirect.headers["Cache-Control"] == "private, no-store"
    # The player fetches it from the https page's origin: CORS lets it read the bytes.
    segment = session.get(location, headers={"Origin": SITE})
    assert segment.status_code == 200 and len(segment.content) > 1000
    assert segment.headers["Access-Control-Allow-Origin"] == SITE
    # Without the signed token there is nothing: the token is checked before any redirect.
    assert session.get(segment_url.split("?")[0], allow_redirects=False).status_code == 403


def test_an_uploaded_lecture_is_transcoded_by_the_worker_with_its_progress_moving(stack, tmp_path):
    from media.demo import make_clip

    before = sample(metrics(), "lms_transcode_duration_seconds_count", result="ready")
    clip = make_clip(tmp_path / "lecture.mp4", seconds=40, width=960, height=540)
    editor = logged_in("demo-editor")
    asset_id = video_upload(editor, clip, title="Stack upload")
    seen: list[tuple[str, int]] = []

    def finished():
        status = video_status(editor, asset_id)
        seen.append((status["state"], status["progress"]))
        return status["state"] in ("ready", "failed")

    wait_for(finished, timeout=90, interval=0.25, message=f"the transcode did not finish: {seen[-5:]}")
    assert seen[-1] == ("ready", 100), seen[-5:]
    # The bar moved: the worker reported progress between the start and the end.
    assert any(state == "processing" and 0 < progress < 100 for state, progress in seen), seen
    # The worker counts the transcode just after it publishes the video: the figure follows the state.
    wait_for(
        lambda: sample(metrics(), "lms_transcode_duration_seconds_count", result="ready") == before + 1,
        timeout=10,
        message="the finished transcode was not counted once",
    )


def test_a_participant_and_an_editor_work_whichever_web_node_answers(stack, tmp_path):
    """`make stack NODES=2`: requests go to the two web nodes in turn (no sticky sessions): the login
    made on one node holds on the other, a playback opened on one is beaten on both, an upload taken
    by one is transcoded and reported by the other."""
    from celery import Celery

    from media.demo import make_clip

    nodes = config.web_ports()
    assert nodes == [PORTS.web, PORTS.web + 1]
    participant = logged_in("demo-beginner", NodesInTurnSession(nodes))
    cabinet = participant.get(f"{SITE}/cabinet/", allow_redirects=False)
    assert cabinet.status_code == 200  # not the login page
    lecture, grant = lecture_open(participant)
    playback = str(uuid.uuid4())
    beat_url = f"{SITE}/api/v1/lectures/{lecture['id']}/progress/"

    def send(seq: int, start: float, end: float, **extra):
        body = {"playback_id": playback, "seq": seq, "rate": 1.0, "visible": True, "from": start, "to": end, **extra}
        answer = participant.post(beat_url, json=body, headers={"X-Beat-Key": grant["beat_key"]}, timeout=30)
        assert answer.status_code == 200, answer.text
        return answer.json()

    opened = send(0, 0.0, 0.0)
    assert opened["outcome"] == "opened"
    for seq in (1, 2, 3):
        time.sleep(2.0)
        answer = send(seq, 2.0 * (seq - 1), 2.0 * seq)
        assert answer["outcome"] == "credited", answer
    assert answer["watched_seconds"] - opened["watched_seconds"] == 6.0
    send(4, 6.0, 6.0, release=True)

    editor = logged_in("demo-editor", NodesInTurnSession(nodes))
    asset_id = video_upload(editor, make_clip(tmp_path / "nodes.mp4", seconds=8, width=640, height=360), title="Nodes")
    wait_for(lambda: video_status(editor, asset_id)["state"] == "ready", timeout=90, message="not transcoded")
    assert all(participant.served[port] >= 3 and editor.served[port] >= 3 for port in nodes), (
        participant.served,
        editor.served,
    )
    # And the broker hands default tasks to both nodes' workers.
    broker = f"redis://{HOST}:{PORTS.redis}/0"
    answered = {name.split("@")[0] for reply in Celery(broker=broker).control.ping(timeout=3) for name in reply}
    assert {"default", "default2", "transcode"} <= answered


def test_beats_are_answered_by_the_beat_pool_and_pages_by_the_web_workers(stack):
    """nginx sends the players' beats to each node's beat pool, so a beat never queues behind a
    page; its access log names the gunicorn that answered each request."""
    session = logged_in("demo-young")
    lecture, grant = lecture_open(session)
    beat = session.post(
        f"{SITE}/api/v1/lectures/{lecture['id']}/progress/",
        json={"playback_id": str(uuid.uuid4()), "seq": 0, "from": 0.0, "to": 0.0, "rate": 1.0, "visible": True},
        headers={"X-Beat-Key": grant["beat_key"]},
    )
    page = session.get(f"{SITE}/cabinet/")
    assert beat.status_code == 200 and page.status_code == 200

    def answered_by(response) -> str:
        # nginx writes a request's line once it has sent the answer, so the client may read the
        # answer first: wait for the line.
        request_id, found = response.headers["X-Request-ID"], []

        def logged() -> bool:
            log = (config.paths()["nginx"] / "lms.access.log").read_text()
            found[:] = [line for line in log.splitlines() if f" {request_id} " in line]
            return bool(found)

        wait_for(logged, timeout=10, message=f"nginx logged no line for {request_id}")
        return found[0].rsplit(" ", 1)[1]

    assert answered_by(beat) in {f"{HOST}:{port}" for port in config.beat_ports()}
    assert answered_by(page) in {f"{HOST}:{port}" for port in config.web_ports()}


def test_an_admission_run_is_computed_by_the_default_worker(stack):
    before = sample(metrics(), "lms_admission_run_duration_seconds_count", result="done")
    seen = []
    run = admission_run(token_session("demo-staff"), seen=seen)
    # Queued, not computed in the request (the first answer): the worker did it.
    assert seen[0][0] in ("pending", "running")
    assert (run["status"], run["progress"]) == ("done", 100), seen
    # Counted just after the run is stored: the figure follows the status.
    wait_for(
        lambda: sample(metrics(), "lms_admission_run_duration_seconds_count", result="done") == before + 1,
        timeout=10,
        message="the finished run was not counted once",
    )


def test_mail_is_really_sent_and_lands_in_the_sink(stack):
    session = browser_session()
    session.get(f"{SITE}/accounts/password/reset/")
    inbox = stack["mail"] / "new"
    before = set(inbox.iterdir()) if inbox.exists() else set()
    answer = session.post(
        f"{SITE}/accounts/password/reset/",
        data={"email": "demo-beginner@prokadry.local", "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        headers={"Referer": f"{SITE}/accounts/password/reset/"},
    )
    assert answer.status_code == 200
    new = wait_for(lambda: set(inbox.iterdir()) - before, timeout=20, message="no mail in var/stack/mail/new")
    message = email.message_from_bytes(Path(next(iter(new))).read_bytes(), policy=email.policy.default)
    assert message["To"] == "demo-beginner@prokadry.local"
    assert f"{SITE}/accounts/password/reset/key/" in message.get_body(("plain",)).get_content()


def test_health_is_green_for_the_load_balancer(stack):
    answer = browser_session().get(f"{SITE}/health/", headers={"Accept": "application/json"})
    assert answer.status_code == 200
    checks = answer.json()
    assert set(checks.values()) == {"OK"}
    assert {"CeleryQueueWorker(queue='default')", "CeleryQueueWorker(queue='transcode')", "BeatStream()"} <= set(checks)
    # Over plain http at the web process too (no redirect to https), as a load balancer asks a node.
    assert requests.get(f"{WEB}/health/?format=json", timeout=10).status_code == 200


def test_metrics_count_beats_across_the_web_workers_and_stay_private(stack):
    session = logged_in("demo-young")
    lecture, grant = lecture_open(session)
    before = metrics()
    playback = str(uuid.uuid4())
    beats = [
        {"playback_id": playback, "seq": seq, "from": max(0.0, seq - 1.0), "to": float(seq), "rate": 1.0}
        for seq in range(3)
    ]
    for beat in beats:
        answer = session.post(
            f"{SITE}/api/v1/lectures/{lecture['id']}/progress/",
            json={**beat, "visible": True},
            headers={"X-Beat-Key": grant["beat_key"]},
        )
        assert answer.status_code == 200, answer.text
    forged = session.post(
        f"{SITE}/api/v1/lectures/{lecture['id']}/progress/",
        json={**beats[0], "visible": True},
        headers={"X-Beat-Key": "1:2:3:forged"},
    )
    assert forged.status_code in (400, 403)
    after = metrics()
    accepted = sum(
        sample(after, "lms_beats_accepted_total", outcome=outcome)
        - sample(before, "lms_beats_accepted_total", outcome=outcome)
        for outcome in ("opened", "credited", "capped", "duplicate", "seek", "rewound", "hidden", "other_playback")
    )
    assert accepted == 3
    assert sample(after, "lms_beats_refused_total", reason="key_invalid") == (
        sample(before, "lms_beats_refused_total", reason="key_invalid") + 1
    )
    # The flush stores them within a few of its runs; the lag and backlog are figures.
    wait_for(
        lambda: (
            sample(metrics(), "lms_beat_flush_lag_seconds_count") > sample(before, "lms_beat_flush_lag_seconds_count")
        ),
        timeout=30,
        message="the flush stored nothing",
    )
    text = metrics()
    assert "lms_beat_stream_pending " in text and "lms_beat_stream_oldest_age_seconds " in text
    assert "lms_transcode_queue_messages " in text and 'lms_video_assets{state="ready"}' in text
    # Through nginx (a forwarded request) the figures are refused.
    assert browser_session().get(f"{SITE}/metrics").status_code == 403


def test_the_stacks_redis_keeps_an_append_only_file(stack):
    def config_get(name: str) -> str:
        out = subprocess.run(
            ["redis-cli", "-h", HOST, "-p", str(PORTS.redis), "CONFIG", "GET", name], capture_output=True, text=True
        )
        return out.stdout.split()[1]

    assert config_get("appendonly") == "yes"
    assert config_get("appendfsync") == "everysec"
    assert Path(config_get("dir")) == stack["redis"]
    assert list(stack["redis"].glob("appendonlydir/*.aof"))
