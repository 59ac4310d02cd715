import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from live.models import Recording
from live.tests.factories import LiveSessionFactory, SpeakerFactory
from tests.factories import ParticipantFactory

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SECRET = "ExampleSharedSecret-do-not-use-0123456789"
RECORD_ID = "372a43121edd57696d4e6f7eb7a5f17a98efa709-1757505602317"

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def tiny_clip(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("clip") / "clip.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=duration=1:size=64x48:rate=10",
            "-pix_fmt",
            "yuv420p",
            str(path),
        ],
        check=True,
    )
    return path.read_bytes()


@pytest.fixture
def fake_bbb(tiny_clip, settings):
    """A stand-in BBB server on loopback: the HTTP boundary is the only thing mocked."""
    requests = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            if self.path.startswith("/bigbluebutton/api/getRecordings"):
                base = f"http://127.0.0.1:{server.server_port}"
                body = (
                    "<response><returncode>SUCCESS</returncode><recordings><recording>"
                    f"<recordID>{RECORD_ID}</recordID><playback>"
                    f"<format><type>presentation</type><url>{base}/playback/presentation/2.3/{RECORD_ID}</url></format>"
                    f"<format><type>video</type><url>{base}/playback/video/{RECORD_ID}/</url></format>"
                    "</playback></recording></recordings></response>"
                ).encode()
                content_type = "text/xml"
            elif self.path.startswith("/bigbluebutton/api/hooks/create"):
                body = b"<response><returncode>SUCCESS</returncode><hookID>7</hookID></response>"
                content_type = "text/xml"
            elif self.path.startswith("/bigbluebutton/api/create"):
                body = (
                    b"<response><returncode>SUCCESS</returncode><meetingID>m</meetingID>"
                    b"<internalMeetingID>abc-1</internalMeetingID></response>"
                )
                content_type = "text/xml"
            elif self.path == f"/playback/video/{RECORD_ID}/video-0.m4v":
                body, content_type = tiny_clip, "video/mp4"
            else:
                self.send_response(404)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.LIVE_BBB_URL = f"http://127.0.0.1:{server.server_port}/bigbluebutton"
    settings.LIVE_BBB_SECRET = SECRET
    yield requests
    server.shutdown()


def test_recording_ready_callback_fetches_the_video_into_a_draft_lecture(
    client, fake_bbb, django_capture_on_commit_callbacks
):
    session = LiveSessionFactory(external_meeting_id="prk-2025-live-07")
    body = (FIXTURES / "bbb-recording-ready-callback.form-body.txt").read_text()
    forged = body[:-4] + "AAAA"
    assert (
        client.post(
            "/integrations/bbb/recording-ready/", data=forged, content_type="application/x-www-form-urlencoded"
        ).status_code
        == 401
    )
    for _ in range(2):  # a repeated callback attaches nothing twice
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/integrations/bbb/recording-ready/", data=body, content_type="application/x-www-form-urlencoded"
            )
        assert response.status_code == 202
    recording = Recording.objects.get(session=session)
    recording.video_asset.refresh_from_db()
    assert recording.video_asset.state == "ready"  # went through the real transcoding pipeline
    assert recording.bbb_record_id == RECORD_ID
    assert recording.source_url.endswith("/video-0.m4v")
    assert recording.lecture is not None and not recording.lecture.live
    assert recording.lecture.specific.source_live_session_id == session.pk
    assert any(path.startswith("/bigbluebutton/api/getRecordings?recordID=") for path in fake_bbb)


def test_recording_ready_for_an_unknown_meeting_is_gone(client, fake_bbb):
    body = (FIXTURES / "bbb-recording-ready-callback.form-body.txt").read_text()
    response = client.post(
        "/integrations/bbb/recording-ready/", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 410


def test_speaker_uploads_a_recording_in_the_console(client, tiny_clip):
    speaker = SpeakerFactory()
    speaker.user.groups.add(Group.objects.get_or_create(name="speaker")[0])
    session = LiveSessionFactory(speakers=[speaker])
    client.force_login(speaker.user)
    upload = SimpleUploadedFile("rec.mp4", tiny_clip, content_type="video/mp4")
    client.post(f"/live/console/{session.pk}/attach-recording/", {"recording": upload})
    recording = Recording.objects.get(session=session)
    assert recording.video_asset.created_by == speaker.user
    assert recording.lecture.get_parent().specific.pk == session.course_id
    assert recording.lecture.live is False
    other = SpeakerFactory()
    other.user.groups.add(Group.objects.get_or_create(name="speaker")[0])
    client.force_login(other.user)
    upload = SimpleUploadedFile("rec.mp4", tiny_clip, content_type="video/mp4")
    assert client.post(f"/live/console/{session.pk}/attach-recording/", {"recording": upload}).status_code == 403
    assert Recording.objects.count() == 1


def test_starting_a_bbb_session_creates_the_room_with_our_callbacks(client, fake_bbb):
    from urllib.parse import parse_qs, urlsplit

    from live.rooms.bbb import client as bbb

    speaker = SpeakerFactory()
    speaker.user.groups.add(Group.objects.get_or_create(name="speaker")[0])
    session = LiveSessionFactory(speakers=[speaker], delivery="bbb")
    client.force_login(speaker.user)
    client.post(f"/live/console/{session.pk}/start/")
    session.refresh_from_db()
    assert session.actual_started_at is not None
    assert session.external_meeting_id == f"prk-live-{session.pk}"
    create = next(path for path in fake_bbb if path.startswith("/bigbluebutton/api/create"))
    query, checksum = urlsplit(create).query.rsplit("&checksum=", 1)
    assert checksum == bbb.api_checksum(call="create", query=query, secret=SECRET, algorithm="sha256")
    params = parse_qs(query)
    assert params["meta_analytics-callback-url"] == ["http://testserver/integrations/bbb/analytics/"]
    assert params["meetingKeepEvents"] == ["true"]


def test_bbb_refusing_the_room_leaves_the_session_unstarted(client, settings):
    settings.LIVE_BBB_URL = "http://127.0.0.1:9/bigbluebutton"  # nothing listens there
    settings.LIVE_BBB_SECRET = SECRET
    speaker = SpeakerFactory()
    speaker.user.groups.add(Group.objects.get_or_create(name="speaker")[0])
    session = LiveSessionFactory(speakers=[speaker], delivery="bbb")
    client.force_login(speaker.user)
    response = client.post(f"/live/console/{session.pk}/start/", follow=True)
    session.refresh_from_db()
    assert session.actual_started_at is None
    assert "BigBlueButton" in response.content.decode()


def test_editors_reach_the_recording_action_for_any_session(client, tiny_clip):
    """Editors never see the speakers' console: Wagtail's session listing and edit view link to the
    recording page, which takes editors (any session), the session's speakers and staff, no one else."""
    editor = SpeakerFactory().user  # any account; the editor role is what counts
    editor.groups.add(Group.objects.get_or_create(name="editor")[0])
    session = LiveSessionFactory(title="Эфир для записи")
    speaker = SpeakerFactory()
    speaker.user.groups.add(Group.objects.get_or_create(name="speaker")[0])
    session.speakers.set([speaker])
    url = f"/live/console/{session.pk}/recording/"

    # Wagtail: a "record" action on the session, in the listing's menu and the edit view's header.
    from django.contrib.auth.models import Permission

    editor.groups.get(name="editor").permissions.add(
        *Permission.objects.filter(codename__in=["access_admin", "view_livesession", "change_livesession"])
    )
    client.force_login(editor)
    assert url in client.get("/cms/live_sessions/").content.decode()
    assert url in client.get(f"/cms/live_sessions/edit/{session.pk}/").content.decode()

    page = client.get(url)
    assert page.status_code == 200 and "Эфир для записи" in page.content.decode()
    response = client.post(url, {"recording": SimpleUploadedFile("rec.mp4", tiny_clip, content_type="video/mp4")})
    assert response.status_code == 302
    recording = Recording.objects.get(session=session)
    assert recording.lecture.specific.source_live_session_id == session.pk
    assert client.post(url, {}).status_code == 400  # no file: said so, nothing attached
    assert Recording.objects.count() == 1

    client.force_login(speaker.user)  # the session's own speaker
    assert client.get(url).status_code == 200
    other_speaker = SpeakerFactory().user
    other_speaker.groups.add(Group.objects.get_or_create(name="speaker")[0])
    for outsider in (other_speaker, ParticipantFactory(season=session.season).user):
        client.force_login(outsider)
        assert client.get(url).status_code == 403
        assert client.post(url, {"recording": SimpleUploadedFile("x.mp4", tiny_clip)}).status_code == 403
    assert Recording.objects.count() == 1
