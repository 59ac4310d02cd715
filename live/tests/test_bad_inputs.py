"""Inputs a fuzzer sent: each answers a clear 4xx (or lists the row back), never a 500, and
stores nothing bad."""

import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone

from live.models import AttendanceEvent
from live.tests.factories import LiveSessionFactory, SpeakerFactory
from tests.factories import ApplicationFactory, ParticipantFactory, SeasonFactory, UserFactory

pytestmark = pytest.mark.django_db


def _running_session_with_speaker_and_person():
    season = SeasonFactory()
    now = timezone.now().replace(microsecond=0)
    speaker = SpeakerFactory()
    speaker.user.groups.add(Group.objects.get_or_create(name="speaker")[0])
    session = LiveSessionFactory(
        season=season, starts_at=now - timedelta(minutes=30), ends_at=now + timedelta(minutes=60), speakers=[speaker]
    )
    person = ParticipantFactory(
        season=season, application=ApplicationFactory(season=season, user=UserFactory(email="anna@example.org"))
    )
    return session, speaker, person


def _upload(text: str):
    upload = io.BytesIO(text.encode())
    upload.name = "report.csv"
    return upload


@pytest.mark.parametrize(
    ("joined", "left", "zone"),
    [
        ("0001-01-01T00:30:00+14:00", "0001-01-01T01:30:00+14:00", "Europe/Moscow"),
        ("2020-01-01 10:00:00", "9999-12-31 23:59:59", "Etc/GMT+12"),
        ("0001-01-01 00:00:00", "0001-01-01 01:00:00", "Etc/GMT-14"),
    ],
)
def test_report_times_far_from_the_session_are_listed_back_and_not_stored(client, joined, left, zone):
    session, speaker, person = _running_session_with_speaker_and_person()
    good_from = session.starts_at.strftime("%Y-%m-%d %H:%M:%S")
    good_to = (session.starts_at + timedelta(minutes=20)).strftime("%Y-%m-%d %H:%M:%S")
    client.force_login(speaker.user)
    content = (
        "Name (original name),Email,Join time,Leave time\n"
        f"Анна,anna@example.org,{joined},{left}\n"
        f"Анна,anna@example.org,{good_from},{good_to}\n"
    )
    response = client.post(f"/live/console/{session.pk}/import-report/", {"report": _upload(content), "timezone": zone})
    assert response.status_code == 200
    assert "более чем на сутки" in response.content.decode()
    # only the good row is stored (its zone shifts it by hours, not days)
    assert AttendanceEvent.objects.filter(session=session).count() == 1
    for url in (f"/live/console/{session.pk}/", f"/api/v1/live-sessions/{session.pk}/roster/"):
        assert client.get(url).status_code == 200
    client.force_login(person.user)
    assert client.get(f"/live/{session.pk}/").status_code == 200


def test_report_import_is_stored_whole_or_not_at_all(monkeypatch):
    from live.services import reports

    session, _speaker, _person = _running_session_with_speaker_and_person()
    at = session.starts_at.strftime("%Y-%m-%d %H:%M:%S")
    until = (session.starts_at + timedelta(minutes=10)).strftime("%Y-%m-%d %H:%M:%S")

    def fail(**_kwargs):
        raise RuntimeError("the queue is down")

    monkeypatch.setattr(reports, "session_derive_later", fail)
    with pytest.raises(RuntimeError):
        reports.attendance_report_import(
            session=session,
            content=f"Email,Join time,Leave time\nanna@example.org,{at},{until}\n".encode(),
            timezone_name="UTC",
        )
    assert AttendanceEvent.objects.filter(session=session).count() == 0


def test_pages_survive_events_stored_with_overflowing_times(client):
    """Events an earlier import stored with times Python cannot hold (year 0 and 10000)."""
    session, speaker, person = _running_session_with_speaker_and_person()
    AttendanceEvent.objects.create(
        session=session,
        user=person.user,
        source="report",
        kind="interval",
        connection="report-line-2",
        occurred_at=session.starts_at,
        ends_at=session.starts_at + timedelta(minutes=10),
        dedupe_key="bad-1",
        payload={},
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE live_attendanceevent SET occurred_at = '0001-01-01 00:30:00+14', "
            "ends_at = '9999-12-31 23:59:59-12' WHERE dedupe_key = 'bad-1'"
        )
    client.force_login(speaker.user)
    console = client.get(f"/live/console/{session.pk}/")
    assert console.status_code == 200
    roster = client.get(f"/api/v1/live-sessions/{session.pk}/roster/")
    assert roster.status_code == 200
    # the clipped interval still covers the window up to now: the person is present
    assert [row["user_id"] for row in roster.json()] == [person.user_id]
    client.force_login(person.user)
    assert client.get(f"/live/{session.pk}/").status_code == 200


SECRET = "ExampleSharedSecret-do-not-use-0123456789"
CALLBACK = "https://prokadry.example.org/integrations/bbb/webhook/"


@pytest.fixture
def bbb_secret(settings):
    settings.LIVE_BBB_SECRET = SECRET
    settings.LIVE_BBB_URL = "https://bbb.example.org/bigbluebutton"
    settings.LIVE_BBB_WEBHOOK_CALLBACK_URL = CALLBACK
    return settings


@pytest.mark.parametrize(
    "params",
    [
        {"meeting_id": "prk-live-7\u0000", "record_id": "abc-1"},
        {"meeting_id": "prk-live-7", "record_id": "abc\u0000-1"},
    ],
    ids=["meeting id", "record id"],
)
def test_recording_ready_ids_with_nul_are_a_400(client, bbb_secret, django_capture_on_commit_callbacks, params):
    import jwt

    from live.models import Recording

    LiveSessionFactory(external_meeting_id="prk-live-7")
    token = jwt.encode(params, SECRET, algorithm="HS256")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/integrations/bbb/recording-ready/", {"signed_parameters": token})
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]
    assert Recording.objects.count() == 0


def test_a_record_id_with_nul_is_refused_by_the_service_too():
    from django.core.exceptions import ValidationError

    from live.rooms.bbb.recordings import bbb_recording_fetch

    with pytest.raises(ValidationError):
        bbb_recording_fetch(session=LiveSessionFactory(), record_id="abc\u0000")


@pytest.mark.parametrize("exp", ["x", [1], {"a": 1}, None, 1e400])
def test_an_analytics_token_with_a_malformed_exp_is_a_403(client, bbb_secret, exp):
    import json

    import jwt

    token = jwt.encode({"exp": exp}, SECRET, algorithm="HS512")
    response = client.post(
        "/integrations/bbb/analytics/",
        data=json.dumps({"version": "1.0", "meeting_id": "m", "data": {"attendees": []}}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 403
    assert response.json()["detail"]


DEEP = "[" * 5000 + "]" * 5000


def test_a_deeply_nested_webhook_event_is_a_400(client, bbb_secret):
    import hashlib
    from urllib.parse import urlencode

    body = urlencode({"domain": "bbb.example.org", "event": DEEP})
    checksum = hashlib.sha256(f"{CALLBACK}{body}{SECRET}".encode()).hexdigest()
    response = client.post(
        f"/integrations/bbb/webhook/?checksum={checksum}",
        data=body.encode(),
        content_type="application/x-www-form-urlencoded;charset=UTF-8",
    )
    assert response.status_code == 400
    assert response.json()["event"] == ["Событие не читается: поле формы `event` должно содержать JSON."]
    assert AttendanceEvent.objects.count() == 0


def test_a_deeply_nested_beat_body_is_a_400(client):
    from live.presence_keys import HEADER
    from live.services.presence import presence_key_issue

    session, _speaker, person = _running_session_with_speaker_and_person()
    key = presence_key_issue(session=session, user=person.user)
    url = f"/api/v1/live-sessions/{session.pk}/presence/"
    response = client.post(url, data=DEEP, content_type="application/json", headers={HEADER: key})
    assert response.status_code == 400
    unreadable = client.post(url, data="not json", content_type="application/json", headers={HEADER: key})
    assert response.json() == unreadable.json()  # the message of any unreadable body
    assert AttendanceEvent.objects.count() == 0
