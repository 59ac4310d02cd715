"""bbb-webhooks registration (hooks/create) when a BBB room is created, and BBB's meeting-ended
as the session's actual end. BBB is faked at the HTTP boundary only: a loopback server answers
in bbb-webhooks' own XML (src/out/webhooks/api/responses.js)."""

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.html import escape

from live.models import Attendance, LiveSession
from live.rooms.bbb import client as bbb
from live.rooms.bbb.backend import meeting_create
from live.rooms.bbb.events import bbb_webhook_receive
from live.services.attendance import session_attendance_derive
from live.services.sessions import session_end
from live.tests.factories import LiveSessionFactory, SpeakerFactory
from live.tests.fake_bbb import CALLBACK, HOOK_DUPLICATE, HOOK_FAILED, SECRET
from tests.factories import ParticipantFactory, SeasonFactory, UserFactory
from tests.plugin import without_cache_forgets

FIXTURES = Path(__file__).resolve().parent / "fixtures"
pytestmark = pytest.mark.django_db


def _hook_calls(calls):
    return [path for path in calls if path.startswith("/bigbluebutton/api/hooks/create?")]


def _speaker():
    speaker = SpeakerFactory()
    speaker.user.groups.add(Group.objects.get_or_create(name="speaker")[0])
    return speaker


# ---------------------------------------------------------------- hooks/create


def test_starting_a_bbb_session_registers_our_webhook_once(client, fake_bbb):
    _answers, calls = fake_bbb
    speaker = _speaker()
    session = LiveSessionFactory(speakers=[speaker], delivery="bbb")
    client.force_login(speaker.user)
    client.post(f"/live/console/{session.pk}/start/")
    session.refresh_from_db()
    assert session.actual_started_at is not None
    assert session.bbb_hook_id == "1"
    [hook] = _hook_calls(calls)
    query, checksum = urlsplit(hook).query.rsplit("&checksum=", 1)
    # bbb-webhooks checks sha(method + query + secret), the method being "hooks/create".
    assert checksum == hashlib.sha256(f"hooks/create{query}{SECRET}".encode()).hexdigest()
    params = parse_qs(query)
    assert params == {"callbackURL": [CALLBACK], "getRaw": ["false"]}  # global: see bbb_webhook_register
    # The hook is asked for before the room, so no join can come before it.
    assert calls.index(hook) < next(i for i, path in enumerate(calls) if path.startswith("/bigbluebutton/api/create?"))

    # The room is re-created (BBB's create is idempotent): the stored hookID spares a second registration.
    session.refresh_from_db()
    meeting_create(session=session, callback_base="http://testserver")
    assert len(_hook_calls(calls)) == 1
    assert len([path for path in calls if path.startswith("/bigbluebutton/api/create?")]) == 2


def test_hooks_create_url_matches_the_published_checksum_vector(settings):
    settings.LIVE_BBB_URL = "https://bbb.example.org/bigbluebutton"
    settings.LIVE_BBB_SECRET = SECRET
    settings.LIVE_BBB_CHECKSUM_ALGORITHM = "sha1"
    vectors = json.loads((FIXTURES / "bbb-api-checksum-vectors.json").read_text())["vectors"]
    expected = next(v for v in vectors if v["call"] == "hooks/create")
    assert bbb.api_url(call="hooks/create", params=[("callbackURL", CALLBACK)]) == expected["url"]


@pytest.mark.parametrize("returncode", ["SUCCESS", "FAILED"])
def test_an_already_registered_callback_url_counts_as_registered(fake_bbb, returncode):
    answers, calls = fake_bbb
    answers["hooks/create"] = (200, HOOK_DUPLICATE.replace(b"SUCCESS", returncode.encode()))
    session = LiveSessionFactory(delivery="bbb")
    assert meeting_create(session=session, callback_base="http://testserver") == "abc-1"
    session.refresh_from_db()
    assert session.bbb_hook_id == "5"  # the existing hook's id, as bbb-webhooks names it
    meeting_create(session=session, callback_base="http://testserver")
    assert len(_hook_calls(calls)) == 1


@pytest.mark.parametrize(
    ("answer", "shown"),
    [
        ((200, HOOK_FAILED), "createHookError"),
        (
            (
                200,
                b"<response><returncode>FAILED</returncode><messageKey>checksumError</messageKey>"
                b"<message>You did not pass the checksum security check.</message></response>",
            ),
            "You did not pass the checksum security check.",
        ),
        ((200, b"<response><returncode>SUCCESS</returncode></response>"), "no hook ID"),
        ((404, b"Cannot GET /bigbluebutton/api/hooks/create"), "HTTP 404"),
        ((200, b"<html>not xml"), "unreadable"),
    ],
)
def test_a_refused_registration_is_a_clear_error_and_leaves_the_session_unstarted(client, fake_bbb, answer, shown):
    answers, calls = fake_bbb
    answers["hooks/create"] = answer
    speaker = _speaker()
    session = LiveSessionFactory(speakers=[speaker], delivery="bbb")
    with translation.override("en"), pytest.raises(ValidationError) as error:
        meeting_create(session=session, callback_base="http://testserver")
    assert shown in str(error.value)
    client.force_login(speaker.user)
    page = client.post(f"/live/console/{session.pk}/start/", follow=True).content.decode()
    with pytest.raises(ValidationError) as error:  # the same message, in the console's language
        meeting_create(session=session, callback_base="http://testserver")
    assert escape(error.value.messages[0]) in page
    session.refresh_from_db()
    assert session.actual_started_at is None
    assert session.bbb_hook_id == ""
    assert not any(path.startswith("/bigbluebutton/api/create?") for path in calls)  # no room without the hook


def test_without_a_configured_callback_url_the_registered_one_is_the_one_we_verify(client, fake_bbb, settings):
    """LIVE_BBB_WEBHOOK_CALLBACK_URL empty: we register the URL the webhook view rebuilds from the
    request, so bbb-webhooks' checksum over it passes our check."""
    _answers, calls = fake_bbb
    settings.LIVE_BBB_WEBHOOK_CALLBACK_URL = ""
    session = LiveSessionFactory(delivery="bbb", external_meeting_id="prk-2025-live-07")
    meeting_create(session=session, callback_base="http://testserver")
    [registered] = parse_qs(urlsplit(_hook_calls(calls)[0]).query)["callbackURL"]
    assert registered == "http://testserver/integrations/bbb/webhook/"
    body = (FIXTURES / "bbb-webhook-user-joined.form-body.txt").read_bytes()
    checksum = hashlib.sha1(registered.encode() + body + SECRET.encode()).hexdigest()
    response = client.post(
        f"/integrations/bbb/webhook/?checksum={checksum}",
        data=body,
        content_type="application/x-www-form-urlencoded;charset=UTF-8",
    )
    assert response.status_code == 200


# ---------------------------------------------------------------- meeting-ended

# The fixtures' meeting: created 12:00:02.317Z, meeting-ended at ts 1757511001958 = 13:30:01.958Z.
STARTED = datetime(2025, 9, 10, 12, 0, 2, 317000, tzinfo=UTC)
MEETING_ENDED = datetime(2025, 9, 10, 13, 30, 1, 958000, tzinfo=UTC)


@pytest.fixture
def started_bbb_session(settings):
    settings.LIVE_BBB_SECRET = SECRET
    settings.LIVE_BBB_WEBHOOK_CALLBACK_URL = CALLBACK
    season = SeasonFactory()
    session = LiveSessionFactory(
        season=season,
        starts_at=datetime(2025, 9, 10, 12, 0, tzinfo=UTC),
        ends_at=datetime(2025, 9, 10, 13, 30, tzinfo=UTC),
        external_meeting_id="prk-2025-live-07",
        actual_started_at=STARTED,
    )
    a = ParticipantFactory(season=season, application__user=UserFactory(id=1042))
    b = ParticipantFactory(season=season, application__user=UserFactory(id=1187))
    return session, a, b


def _requests():
    return json.loads((FIXTURES / "bbb-webhook-requests.json").read_text())["requests"]


def _post(client, request):
    query = request["request_url"].split("?", 1)[1]
    response = client.post(
        f"/integrations/bbb/webhook/?{query}", data=request["body"].encode(), content_type=request["content_type"]
    )
    assert response.status_code == 200


def _orders():
    delivered = _requests()
    ended = [r for r in delivered if r["event_id"] == "meeting-ended"]
    others = [r for r in delivered if r["event_id"] != "meeting-ended"]
    return {
        "as delivered": delivered,
        "meeting-ended first": ended + others,
        "reversed": list(reversed(delivered)),
        "meeting-ended twice": ended + delivered + ended,
    }


@pytest.mark.parametrize("order", list(_orders()))
def test_meeting_ended_sets_the_actual_end_and_the_figures_do_not_depend_on_order_or_repeats(
    client, started_bbb_session, order
):
    session, a, b = started_bbb_session
    for request in _orders()[order]:
        _post(client, request)
    session.refresh_from_db()
    assert session.actual_ended_at == MEETING_ENDED
    session_attendance_derive(session=session, now=datetime(2025, 9, 10, 14, 0, tzinfo=UTC))
    rows = {row.user_id: row for row in Attendance.objects.filter(session=session)}
    # Window 12:00:02.317–13:30:01.958 = 5399.641 s. A: 12:02:31.952–13:10:44.170 (two devices,
    # overlapping) = 4092.218 s, below 80 %. B: 12:12:05.410 until the meeting's end (the
    # made-up user-left comes 4 ms after it) = 4676.548 s, 86.6 %, joined 12 min after the start.
    assert (rows[a.user_id].window_seconds, rows[a.user_id].covered_seconds, rows[a.user_id].status) == (
        5399,
        4092,
        "absent",
    )
    assert (rows[b.user_id].covered_seconds, rows[b.user_id].status) == (4676, "late")


def test_meeting_ended_queues_the_derivation(client, started_bbb_session, django_capture_on_commit_callbacks, clock):
    session, _a, b = started_bbb_session
    joined = next(r for r in _requests() if r["event_id"] == "user-joined" and "prk-user-1187" in r["form"]["event"])
    clock.at = datetime(2025, 9, 10, 12, 15, tzinfo=UTC)  # the join is derived while the session runs
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, joined)
    # Derived while the session runs: to its last evidence so far, the join at 12:12:05.410.
    assert Attendance.objects.get(session=session, user=b.user).window_seconds == 723
    ended = next(r for r in _requests() if r["event_id"] == "meeting-ended")
    clock.at = datetime(2025, 9, 10, 14, 0, tzinfo=UTC)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _post(client, ended)
    assert len(without_cache_forgets(callbacks)) == 1
    row = Attendance.objects.get(session=session, user=b.user)
    assert (row.window_seconds, row.covered_seconds) == (5399, 4676)


@pytest.mark.parametrize("speaker_end", ["13:00", "13:45"])
def test_meeting_ended_never_moves_an_end_the_speaker_set(client, started_bbb_session, speaker_end):
    session, _a, _b = started_bbb_session
    hour, minute = map(int, speaker_end.split(":"))
    pressed = datetime(2025, 9, 10, hour, minute, tzinfo=UTC)
    LiveSession.objects.filter(pk=session.pk).update(actual_ended_at=pressed)
    for request in _requests():
        _post(client, request)
    session.refresh_from_db()
    assert session.actual_ended_at == pressed


def test_meeting_ended_of_a_session_not_started_or_unknown_changes_nothing(client, started_bbb_session):
    session, _a, _b = started_bbb_session
    LiveSession.objects.filter(pk=session.pk).update(actual_started_at=None)
    ended = next(r for r in _requests() if r["event_id"] == "meeting-ended")
    _post(client, ended)
    session.refresh_from_db()
    assert session.actual_ended_at is None
    event = json.loads(ended["form"]["event"])
    event[0]["data"]["attributes"]["meeting"]["external-meeting-id"] = "someone-elses-meeting"
    assert bbb_webhook_receive(events=event).stored == 0
    assert not LiveSession.objects.filter(actual_ended_at__isnull=False).exists()


def test_the_speaker_cannot_end_a_session_bbb_has_ended(client, started_bbb_session):
    session, _a, _b = started_bbb_session
    speaker = SpeakerFactory()
    session.speakers.set([speaker])
    _post(client, next(r for r in _requests() if r["event_id"] == "meeting-ended"))
    with pytest.raises(ValidationError):
        session_end(session=session, by=speaker.user)  # the object in hand still says "running"
    session.refresh_from_db()
    assert session.actual_ended_at == MEETING_ENDED
