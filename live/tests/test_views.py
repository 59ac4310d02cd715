import io
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from live.models import AttendanceEvent
from live.tests.factories import LiveSessionFactory, SpeakerFactory
from live.views import join_link
from tests.factories import ParticipantFactory, SeasonFactory, UserFactory

pytestmark = pytest.mark.django_db


def speaker_with_role():
    speaker = SpeakerFactory()
    speaker.user.groups.add(Group.objects.get_or_create(name="speaker")[0])
    return speaker


@pytest.mark.parametrize(
    ("zone", "shown"),
    [
        ("Europe/Kaliningrad", "14:00"),
        ("Europe/Moscow", "15:00"),
        ("Asia/Yekaterinburg", "17:00"),
        ("Asia/Vladivostok", "22:00"),
        ("Asia/Kamchatka", "00:00"),
    ],
)
def test_session_times_in_the_participants_own_zone(client, zone, shown):
    season = SeasonFactory()
    starts = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    session = LiveSessionFactory(season=season, starts_at=starts, ends_at=starts + timedelta(hours=1))
    person = ParticipantFactory(season=season, timezone=zone)
    client.force_login(person.user)
    html = client.get(f"/live/{session.pk}/").content.decode()
    expected_day = "2 декабря" if zone == "Asia/Kamchatka" else "1 декабря"
    assert f"{expected_day} 2026, {shown}" in html


def test_signed_join_link_sends_our_id_to_bbb(client, settings):
    settings.LIVE_BBB_URL = "https://bbb.example.org/bigbluebutton"
    settings.LIVE_BBB_SECRET = "s"
    season = SeasonFactory()
    session = LiveSessionFactory(season=season, starts_at=timezone.now() - timedelta(minutes=1))
    person = ParticipantFactory(season=season)
    response = client.get(join_link(session=session, user_id=person.user_id))
    assert response.status_code == 302
    assert response["Location"].startswith("https://bbb.example.org/bigbluebutton/api/join?")
    assert f"userID=prk-user-{person.user_id}" in response["Location"]
    forged = join_link(session=session, user_id=person.user_id)[:-3] + "abc"
    assert client.get(forged).status_code == 403


def test_open_session_page_hands_out_a_presence_key_the_beat_endpoint_takes(client):
    import re
    import uuid

    from django.test import Client

    season = SeasonFactory()
    session = LiveSessionFactory(season=season, starts_at=timezone.now() - timedelta(minutes=1))
    person = ParticipantFactory(season=season)
    client.force_login(person.user)
    html = client.get(f"/live/{session.pk}/").content.decode()
    key = re.search(r'var key = "([^"]+)"', html).group(1)
    assert key.startswith(f"{person.user_id}:{session.pk}:")
    # The page's beats carry no cookies: a client without the login uses the key alone.
    response = Client().post(
        f"/api/v1/live-sessions/{session.pk}/presence/",
        {"connection_id": str(uuid.uuid4()), "seq": 0, "visible": True},
        content_type="application/json",
        headers={"X-Presence-Key": key},
    )
    assert response.status_code == 202


def test_join_opens_at_the_set_time_before_start(client):
    season = SeasonFactory()
    session = LiveSessionFactory(
        season=season,
        starts_at=timezone.now() + timedelta(hours=2),
        delivery="url",
        room_url="https://meet.example.org/r",
    )
    person = ParticipantFactory(season=season)
    client.force_login(person.user)
    assert "meet.example.org" not in client.get(f"/live/{session.pk}/join/").get("Location", "")
    session.starts_at = timezone.now() + timedelta(minutes=10)  # join opens 15 min before
    session.save()
    assert client.get(f"/live/{session.pk}/join/")["Location"] == "https://meet.example.org/r"
    outsider = UserFactory()
    client.force_login(outsider)
    assert client.get(f"/live/{session.pk}/join/").status_code == 403


def test_cabinet_panel_lists_upcoming_with_join_button(client):
    season = SeasonFactory()
    soon = LiveSessionFactory(season=season, starts_at=timezone.now() + timedelta(minutes=5), title="Скоро")
    later = LiveSessionFactory(season=season, starts_at=timezone.now() + timedelta(days=2), title="Потом")
    person = ParticipantFactory(season=season)
    client.force_login(person.user)
    html = client.get("/cabinet/").content.decode()
    assert "Скоро" in html and "Потом" in html
    assert f"/live/{soon.pk}/join/?t=" in html
    assert f"/live/{later.pk}/join/?t=" not in html


def test_console_is_only_for_the_sessions_own_speakers(client):
    mine, theirs = speaker_with_role(), speaker_with_role()
    session = LiveSessionFactory(speakers=[mine], title="Мой эфир")
    LiveSessionFactory(speakers=[theirs], title="Чужой эфир")
    client.force_login(mine.user)
    listing = client.get("/live/console/").content.decode()
    assert "Мой эфир" in listing and "Чужой эфир" not in listing
    client.force_login(theirs.user)
    assert client.get(f"/live/console/{session.pk}/").status_code == 403
    assert client.post(f"/live/console/{session.pk}/", {"action": "start"}).status_code == 403
    session.refresh_from_db()
    assert session.actual_started_at is None
    client.force_login(ParticipantFactory().user)
    assert client.get("/live/console/").status_code == 403


def test_console_start_end_and_exports(client, settings):
    settings.REDIS_URL = ""
    speaker = speaker_with_role()
    season = SeasonFactory()
    session = LiveSessionFactory(season=season, speakers=[speaker], starts_at=timezone.now() - timedelta(minutes=1))
    person = ParticipantFactory(season=season)
    client.force_login(speaker.user)
    client.post(f"/live/console/{session.pk}/", {"action": "start"})
    AttendanceEvent.objects.create(
        session=session,
        user=person.user,
        source="bbb",
        kind="join",
        connection="w",
        occurred_at=timezone.now() - timedelta(minutes=2),
        dedupe_key="w",
    )
    page = client.get(f"/live/console/{session.pk}/").content.decode()
    assert person.application.full_name in page
    client.post(f"/live/console/{session.pk}/", {"action": "end"})
    session.refresh_from_db()
    assert session.actual_started_at and session.actual_ended_at
    # Pressed seconds apart in the test: give the window ten minutes, all of them covered by the join.
    type(session).objects.filter(pk=session.pk).update(
        actual_started_at=session.actual_ended_at - timedelta(minutes=10)
    )
    AttendanceEvent.objects.filter(dedupe_key="w").update(occurred_at=session.actual_ended_at - timedelta(minutes=11))
    response = client.get(f"/live/console/{session.pk}/export.csv")
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("user_id,name,email,minutes")
    assert person.application.email in text
    assert "present" in text
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(client.get(f"/live/console/{session.pk}/export.xlsx").content))
    rows = list(book.active.values)
    assert rows[1][2] == person.application.email and rows[1][6] == "present"
    assert client.get(f"/live/console/{session.pk}/export.pdf").status_code == 404


def test_console_import_lists_unmatched_rows(client):
    speaker = speaker_with_role()
    session = LiveSessionFactory(speakers=[speaker])
    client.force_login(speaker.user)
    content = (
        b"Name (original name),Email,Join time,Leave time\n"
        b"X,nobody@example.org,09/17/2025 03:00:00 PM,09/17/2025 03:30:00 PM\n"
    )
    upload = io.BytesIO(content)
    upload.name = "report.csv"
    html = client.post(f"/live/console/{session.pk}/", {"action": "import", "report": upload}).content.decode()
    assert "nobody@example.org" in html
    assert AttendanceEvent.objects.count() == 0
