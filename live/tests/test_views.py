import csv
import io
from datetime import UTC, datetime, timedelta
from html import unescape as html_unescape

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.utils import timezone

from live.models import AttendanceEvent
from live.services.attendance import session_attendance_derive
from live.tests.factories import LiveSessionFactory, SpeakerFactory
from live.tests.fake_bbb import NOT_RUNNING, RUNNING
from live.views import join_link
from tests.factories import ParticipantFactory, SeasonFactory, UserFactory

pytestmark = pytest.mark.django_db

RU_HEADER = [
    "ID участника",
    "Участник",
    "Электронная почта",
    "Минут присутствия",
    "Секунд присутствия",
    "Присутствие, %",
    "Статус",
    "Источники",
    "Комментарий к ручной отметке",
]
EN_HEADER = [
    "Participant ID",
    "Participant",
    "E-mail",
    "Minutes present",
    "Seconds present",
    "Presence, %",
    "Status",
    "Sources",
    "Comment of the manual mark",
]


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


def test_signed_join_link_sends_our_id_to_bbb(client, fake_bbb, settings):
    answers, _calls = fake_bbb
    answers["isMeetingRunning"] = (200, RUNNING)
    season = SeasonFactory()
    session = LiveSessionFactory(
        season=season,
        starts_at=timezone.now() - timedelta(minutes=1),
        actual_started_at=timezone.now() - timedelta(minutes=1),
        external_meeting_id="prk-live-joined",
    )
    person = ParticipantFactory(season=season)
    client.force_login(person.user)
    response = client.get(join_link(session=session, user_id=person.user_id))
    assert response.status_code == 302
    assert response["Location"].startswith(f"{settings.LIVE_BBB_URL}/api/join?")
    assert f"userID=prk-user-{person.user_id}" in response["Location"]
    forged = join_link(session=session, user_id=person.user_id)[:-3] + "abc"
    refused = client.get(forged)
    assert refused.status_code == 403
    assert "ссылка для входа недействительна" in refused.content.decode()


def test_open_session_page_hands_out_a_presence_key_the_beat_endpoint_takes(client):
    import re
    import uuid

    from django.test import Client

    season = SeasonFactory()
    session = LiveSessionFactory(season=season, starts_at=timezone.now() - timedelta(minutes=1))
    person = ParticipantFactory(season=season)
    client.force_login(person.user)
    html = client.get(f"/live/{session.pk}/").content.decode()
    # As the page's script reads it: from its data-key attribute.
    key = html_unescape(re.search(r'data-key="([^"]+)"', html).group(1))
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
    assert client.get(f"/live/{session.pk}/join/")["Location"] == (
        f"https://meet.example.org/r?participant=prk-user-{person.user_id}"
    )
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
    assert client.post(f"/live/console/{session.pk}/start/").status_code == 403
    session.refresh_from_db()
    assert session.actual_started_at is None
    client.force_login(ParticipantFactory().user)
    assert client.get("/live/console/").status_code == 403


def test_console_start_end_and_exports(client, settings, django_capture_on_commit_callbacks):
    settings.REDIS_URL = ""
    speaker = speaker_with_role()
    season = SeasonFactory()
    session = LiveSessionFactory(season=season, speakers=[speaker], starts_at=timezone.now() - timedelta(minutes=1))
    person = ParticipantFactory(season=season)
    client.force_login(speaker.user)
    client.post(f"/live/console/{session.pk}/start/")
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
    client.post(f"/live/console/{session.pk}/end/")
    session.refresh_from_db()
    assert session.actual_started_at and session.actual_ended_at
    # Pressed seconds apart in the test: give the window ten minutes, all of them covered by the join.
    type(session).objects.filter(pk=session.pk).update(
        actual_started_at=session.actual_ended_at - timedelta(minutes=10)
    )
    AttendanceEvent.objects.filter(dedupe_key="w").update(occurred_at=session.actual_ended_at - timedelta(minutes=11))
    session.refresh_from_db()
    session_attendance_derive(session=session)  # changed behind the services' back: derived again by hand
    # Russian by default: translated headers in a fixed order, the statuses' and sources' labels.
    response = client.get(f"/live/console/{session.pk}/export.csv")
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[0] == RU_HEADER
    assert lines[1] == [
        str(person.user_id),
        person.application.full_name,
        person.application.email,
        "10",
        "600",
        "100.0",
        "Присутствовал",
        "BigBlueButton",
        "",
    ]
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(client.get(f"/live/console/{session.pk}/export.xlsx").content))
    rows = list(book.active.values)
    assert list(rows[0]) == RU_HEADER
    assert rows[1] == (
        person.user_id,
        person.application.full_name,
        person.application.email,
        10,
        600,
        100,
        "Присутствовал",
        "BigBlueButton",
        None,
    )
    # A manual mark (which queues the derivation, run on commit) and another language: the same
    # columns, in English.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/live/console/{session.pk}/mark/",
            {"user_id": person.user_id, "status": "excused", "comment": "Справка"},
        )
    english = client.get(f"/live/console/{session.pk}/export.csv", HTTP_ACCEPT_LANGUAGE="en")
    lines = list(csv.reader(io.StringIO(english.content.decode("utf-8-sig"))))
    assert lines[0] == EN_HEADER
    assert lines[1][6:] == ["Excused", "BigBlueButton, Manual mark", "Справка"]
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
    html = client.post(f"/live/console/{session.pk}/import-report/", {"report": upload}).content.decode()
    assert "nobody@example.org" in html
    assert AttendanceEvent.objects.count() == 0


def _running_bbb_session(season, **extra):
    now = timezone.now()
    return LiveSessionFactory(
        season=season,
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(minutes=55),
        external_meeting_id=f"prk-live-wait-{season.pk}",
        **extra,
    )


def test_join_waits_for_the_speaker_until_the_bbb_room_runs(client, fake_bbb):
    answers, calls = fake_bbb
    season = SeasonFactory()
    session = _running_bbb_session(season)
    person = ParticipantFactory(season=season)
    client.force_login(person.user)
    link = join_link(session=session, user_id=person.user_id)
    status_url = f"/api/v1/live-sessions/{session.pk}/room/"

    # Not started: the room does not exist yet, so no join URL (and no call to BBB).
    waiting = client.get(link)
    assert waiting.status_code == 200
    html = waiting.content.decode()
    assert 'data-testid="waiting"' in html and "Ждём спикера" in html
    assert status_url in html  # the page asks by itself ...
    # ... with its own script, a static file (the Content-Security-Policy allows no inline script)
    assert "cdn" not in html.lower() and '<script src="/static/live/join-waiting.js"' in html
    assert client.get(status_url).json() == {"ready": False, "join_open": True}
    assert calls == []

    # Started, but BBB says the room is not running yet (the speaker is not in it): still waiting.
    type(session).objects.filter(pk=session.pk).update(actual_started_at=timezone.now())
    answers["isMeetingRunning"] = (200, NOT_RUNNING)
    assert 'data-testid="waiting"' in client.get(link).content.decode()
    assert client.get(status_url).json()["ready"] is False
    assert len([c for c in calls if "/isMeetingRunning?" in c]) == 1  # the answer is kept a few seconds
    assert f"meetingID={session.external_meeting_id}" in calls[0]

    # The speaker is in: the status says so and the same link now leads into the room.
    answers["isMeetingRunning"] = (200, RUNNING)
    cache.clear()
    assert client.get(status_url).json() == {"ready": True, "join_open": True}
    joined = client.get(link)
    assert joined.status_code == 302
    assert "/api/join?" in joined["Location"] and f"userID=prk-user-{person.user_id}" in joined["Location"]

    # Someone outside the track learns nothing.
    client.force_login(UserFactory())
    assert client.get(status_url).status_code == 403


def test_join_waits_when_bbb_cannot_be_reached(client, fake_bbb):
    answers, _calls = fake_bbb
    answers["isMeetingRunning"] = (500, b"oops")
    season = SeasonFactory()
    session = _running_bbb_session(season, actual_started_at=timezone.now())
    person = ParticipantFactory(season=season)
    client.force_login(person.user)
    response = client.get(join_link(session=session, user_id=person.user_id))
    assert response.status_code == 200 and 'data-testid="waiting"' in response.content.decode()


def test_the_speaker_is_sent_to_start_the_session_first(client, fake_bbb):
    speaker = speaker_with_role()
    season = SeasonFactory()
    session = _running_bbb_session(season, speakers=[speaker])
    client.force_login(speaker.user)
    response = client.get(f"/live/{session.pk}/join/")
    assert response.status_code == 302 and response["Location"] == f"/live/console/{session.pk}/"
    # Started: the speaker goes straight in as moderator (BBB runs the room once they are in it).
    type(session).objects.filter(pk=session.pk).update(actual_started_at=timezone.now())
    response = client.get(f"/live/{session.pk}/join/")
    assert "/api/join?" in response["Location"] and "role=MODERATOR" in response["Location"]


def test_a_join_link_works_only_for_its_own_participant_logged_in(client, monkeypatch):
    from django.core import signing

    season = SeasonFactory()
    session = LiveSessionFactory(
        season=season,
        starts_at=timezone.now() - timedelta(minutes=1),
        delivery="url",
        room_url="https://meet.example.org/r",
    )
    owner = ParticipantFactory(season=season)
    colleague = ParticipantFactory(season=season)
    link = join_link(session=session, user_id=owner.user_id)

    # Nobody logged in: the link asks for a login first, and credits nobody.
    anonymous = client.get(link)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/?next=")

    # Forwarded to a colleague: refused with a message, the colleague is not sent on as the owner.
    client.force_login(colleague.user)
    refused = client.get(link)
    assert refused.status_code == 403
    assert "другому участнику" in refused.content.decode()
    assert "Location" not in refused

    client.force_login(owner.user)
    assert client.get(link)["Location"] == f"https://meet.example.org/r?participant=prk-user-{owner.user_id}"

    # A day after it was made, the link has expired (the session page makes a fresh one).
    day_ago = signing.b62_encode(int(signing.time.time()) - 24 * 60 * 60 - 1)
    monkeypatch.setattr(signing.TimestampSigner, "timestamp", lambda self: day_ago)
    stale = join_link(session=session, user_id=owner.user_id)
    monkeypatch.undo()
    expired = client.get(stale)
    assert expired.status_code == 403 and "устарела" in expired.content.decode()


@pytest.mark.parametrize(
    ("delivery", "room_url", "expected"),
    [
        # Any other room: our id as `participant`, its own parameters and fragment kept.
        (
            "url",
            "https://rooms.example.org/r/7?lang=ru#top",
            "https://rooms.example.org/r/7?lang=ru&participant={id}#top",
        ),
        # A forged `participant` in the stored URL is replaced, never sent beside ours.
        ("url", "https://rooms.example.org/r?participant=someone", "https://rooms.example.org/r?participant={id}"),
        # Zoom and Jitsi take no id from a link: the room URL as entered.
        ("zoom", "https://us02web.zoom.us/j/85512345678?pwd=abc", "https://us02web.zoom.us/j/85512345678?pwd=abc"),
        ("jitsi", "https://meet.jit.si/ProKadry-Live-7", "https://meet.jit.si/ProKadry-Live-7"),
    ],
)
def test_external_rooms_receive_our_id_where_they_can_carry_it(client, delivery, room_url, expected):
    season = SeasonFactory()
    session = LiveSessionFactory(
        season=season, starts_at=timezone.now() - timedelta(minutes=1), delivery=delivery, room_url=room_url
    )
    person = ParticipantFactory(season=season)
    client.force_login(person.user)
    response = client.get(join_link(session=session, user_id=person.user_id))
    assert response["Location"] == expected.format(id=f"prk-user-{person.user_id}")


@pytest.mark.parametrize("user_id", ["abc", "", "1.5", "-3", "99999999999999999999999"])
def test_console_mark_with_a_bad_participant_id_is_a_400_with_a_message(client, user_id):
    speaker = speaker_with_role()
    session = LiveSessionFactory(speakers=[speaker])
    client.force_login(speaker.user)
    response = client.post(
        f"/live/console/{session.pk}/mark/", {"user_id": user_id, "status": "present", "comment": ""}
    )
    assert response.status_code == 400
    assert "Ожидается ID участника (целое число)." in response.content.decode()
    assert not session.manual_marks.exists()


def test_console_refusals_are_400_with_the_reason(client):
    speaker = speaker_with_role()
    session = LiveSessionFactory(speakers=[speaker])
    outsider = ParticipantFactory()  # another season's participant
    client.force_login(speaker.user)
    for action, data, message in [
        ("mark", {"user_id": outsider.user_id, "status": "present"}, "не участник"),
        ("end", {}, "Эфир ещё не начат."),
        ("import-report", {}, "Выберите CSV-файл отчёта."),
    ]:
        response = client.post(f"/live/console/{session.pk}/{action}/", data)
        assert response.status_code == 400, action
        assert message in response.content.decode(), action
    assert not session.manual_marks.exists()
    # One view per action: the console's page itself takes no POST.
    assert client.post(f"/live/console/{session.pk}/", {"action": "start"}).status_code == 405


def test_join_says_when_a_session_has_ended_or_has_no_room_link_yet(client):
    season = SeasonFactory()
    person = ParticipantFactory(season=season)
    client.force_login(person.user)
    ended = LiveSessionFactory(
        season=season,
        starts_at=timezone.now() - timedelta(hours=3),
        ends_at=timezone.now() - timedelta(hours=2),
        delivery="url",
        room_url="https://meet.example.org/r",
    )
    page = client.get(f"/live/{ended.pk}/join/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "This session has ended" in page and "Joining opens" not in page
    # Saved before the rule on room links existed (the form now asks for one): no offline text.
    no_link = LiveSessionFactory(season=season, starts_at=timezone.now() - timedelta(minutes=1), delivery="zoom")
    page = client.get(f"/live/{no_link.pk}/join/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "has not been set yet" in page and "offline meeting" not in page


@pytest.mark.parametrize("delivery", ["jitsi", "zoom", "url"])
def test_an_external_room_needs_its_link(delivery):
    from django.core.exceptions import ValidationError

    session = LiveSessionFactory.build(season=SeasonFactory(), delivery=delivery, room_url="")
    with pytest.raises(ValidationError) as error:
        session.clean()
    assert "room_url" in error.value.message_dict
    session.room_url = "https://meet.example.org/r"
    session.clean()
