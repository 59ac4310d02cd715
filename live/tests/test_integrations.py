"""BigBlueButton and Zoom inputs, from the recorded payloads in fixtures/ (copied from the
programme's shared/fixtures/attendance, so the app's tests need nothing outside the repository)."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from live import apis, bbb
from live.models import AttendanceEvent, LiveSession
from live.reports import attendance_report_import
from live.selectors import attendance_figure_for_user
from live.services import attendance_mark_set, session_attendance_derive
from live.tests.factories import LiveSessionFactory, SpeakerFactory
from tests.factories import ApplicationFactory, ParticipantFactory, SeasonFactory, UserFactory

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SECRET = "ExampleSharedSecret-do-not-use-0123456789"
CALLBACK = "https://prokadry.example.org/integrations/bbb/webhook/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def bbb_settings(settings):
    settings.LIVE_BBB_SECRET = SECRET
    settings.LIVE_BBB_URL = "https://bbb.example.org/bigbluebutton"
    settings.LIVE_BBB_WEBHOOK_CALLBACK_URL = CALLBACK
    return settings


@pytest.fixture
def bbb_session(bbb_settings):
    """The fixtures' meeting: 2025-09-10 15:00–16:30 MSK, participant A is user 1042, B is 1187."""
    season = SeasonFactory()
    session = LiveSessionFactory(
        season=season,
        starts_at=datetime(2025, 9, 10, 12, 0, tzinfo=UTC),
        ends_at=datetime(2025, 9, 10, 13, 30, tzinfo=UTC),
        external_meeting_id="prk-2025-live-07",
    )
    a = ParticipantFactory(season=season, application__user=UserFactory(id=1042, email="alexey.morozov@example.org"))
    b = ParticipantFactory(season=season, application__user=UserFactory(id=1187, email="maria.petrova@example.org"))
    return session, a, b


def requests_fixture():
    return json.loads((FIXTURES / "bbb-webhook-requests.json").read_text())["requests"]


def post_webhook(client, request):
    query = request["request_url"].split("?", 1)[1]
    return client.post(
        f"/integrations/bbb/webhook/?{query}", data=request["body"].encode(), content_type=request["content_type"]
    )


def test_api_checksums_match_bbb_documentation():
    vectors = json.loads((FIXTURES / "bbb-api-checksum-vectors.json").read_text())
    assert (
        bbb.api_checksum(
            call="create",
            query="name=Test+Meeting&meetingID=abc123&attendeePW=111222&moderatorPW=333444",
            secret="639259d4-9dd8-4b25-bf01-95f9567eaf4b",
            algorithm="sha1",
        )
        == "1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17"
    )
    assert "create" in json.dumps(vectors)


def test_join_url_carries_our_participant_id(bbb_session):
    from live.services import bbb_join_url

    session, a, _b = bbb_session
    url = bbb_join_url(session=session, user=a.user, full_name="Алексей Морозов", moderator=False)
    query = url.split("?", 1)[1].rsplit("&checksum=", 1)
    assert "userID=prk-user-1042" in query[0]
    assert query[1] == bbb.api_checksum(call="join", query=query[0], secret=SECRET, algorithm="sha256")


def test_recorded_webhooks_build_the_documented_intervals_and_repeats_change_nothing(client, bbb_session):
    session, a, b = bbb_session
    for request in requests_fixture():
        assert post_webhook(client, request).status_code == 200
    count = AttendanceEvent.objects.count()
    for request in requests_fixture():  # bbb-webhooks retried every delivery
        post_webhook(client, request)
    assert AttendanceEvent.objects.count() == count
    # A: 15:02:31.9–15:25:03 and 15:24:52–16:10:44 (11 s overlap counted once); window 15:00–16:30.
    figure_a = attendance_figure_for_user(session=session, user_id=a.user_id)
    assert 4092 <= figure_a.covered_seconds <= 4093
    figure_b = attendance_figure_for_user(session=session, user_id=b.user_id)
    assert figure_b.first_joined_at.astimezone(UTC).strftime("%H:%M:%S") == "12:12:05"
    assert figure_b.status == "late"


@pytest.mark.parametrize("checksum", ["", "0" * 40, "22320a47d4232cb6c70f3be3f1a81442739a512b"])
def test_unsigned_or_badly_signed_webhooks_are_refused(client, bbb_session, checksum):
    request = requests_fixture()[1]
    response = client.post(
        f"/integrations/bbb/webhook/?checksum={checksum}",
        data=request["body"].encode(),
        content_type=request["content_type"],
    )
    assert response.status_code == 403
    assert AttendanceEvent.objects.count() == 0


def test_analytics_callback_reconciles_with_webhooks(client, bbb_session, monkeypatch):
    session, a, _b = bbb_session
    headers = json.loads((FIXTURES / "bbb-analytics-callback.headers.json").read_text())
    body = (FIXTURES / "bbb-analytics-callback.json").read_bytes()
    monkeypatch.setattr(apis, "_now", lambda: datetime(2025, 9, 10, 14, 0, tzinfo=UTC))
    bad = client.post(
        "/integrations/bbb/analytics/",
        data=body,
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer " + headers["headers"]["Authorization"].split()[1][:-2] + "xx",
    )
    assert bad.status_code == 403
    ok = client.post(
        "/integrations/bbb/analytics/",
        data=body,
        content_type="application/json",
        HTTP_AUTHORIZATION=headers["headers"]["Authorization"],
    )
    assert ok.status_code == 200
    # bbbevents merges A's overlapping sessions to 4092 s; our union gives the same.
    assert attendance_figure_for_user(session=session, user_id=a.user_id).covered_seconds == 4092
    for request in requests_fixture():
        post_webhook(client, request)
    assert 4092 <= attendance_figure_for_user(session=session, user_id=a.user_id).covered_seconds <= 4093


def test_expired_analytics_token_is_refused(client, bbb_session):
    headers = json.loads((FIXTURES / "bbb-analytics-callback.headers.json").read_text())
    response = client.post(
        "/integrations/bbb/analytics/",
        data=(FIXTURES / "bbb-analytics-callback.json").read_bytes(),
        content_type="application/json",
        HTTP_AUTHORIZATION=headers["headers"]["Authorization"],
    )
    assert response.status_code == 403


@pytest.fixture
def zoom_session():
    """The Zoom fixture's meeting: 2025-09-17, 15:00–16:30 MSK."""
    season = SeasonFactory()
    session = LiveSessionFactory(
        season=season,
        starts_at=datetime(2025, 9, 17, 12, 0, tzinfo=UTC),
        ends_at=datetime(2025, 9, 17, 13, 30, tzinfo=UTC),
    )
    a = ParticipantFactory(
        season=season,
        application=ApplicationFactory(season=season, user=UserFactory(email="alexey.morozov@example.org")),
    )
    b = ParticipantFactory(
        season=season,
        application=ApplicationFactory(season=season, user=UserFactory(email="maria.petrova@example.org")),
    )
    return session, a, b


@pytest.mark.parametrize("name", ["zoom-participants.csv", "zoom-participants-legacy.csv"])
def test_zoom_csv_both_generations(zoom_session, name):
    session, a, b = zoom_session
    result = attendance_report_import(
        session=session, content=(FIXTURES / name).read_bytes(), timezone_name="Europe/Moscow"
    )
    assert result.stored == 3
    assert [row["email"] for row in result.unmatched] == ["irina.sokolova@example.org", ""]
    # A: 14:59:47–15:26:15 and 15:26:31–16:12:09 MSK, clipped at 15:00 → 1575 + 2738 s.
    assert attendance_figure_for_user(session=session, user_id=a.user_id).covered_seconds == 1575 + 2738
    # B: the waiting-room row is not attendance; 15:01:58–16:30 = 5282 s.
    assert attendance_figure_for_user(session=session, user_id=b.user_id).covered_seconds == 5282
    again = attendance_report_import(
        session=session, content=(FIXTURES / name).read_bytes(), timezone_name="Europe/Moscow"
    )
    assert again.stored == 3
    assert AttendanceEvent.objects.filter(session=session).count() == 3


def test_csv_missing_columns_is_refused_whole(zoom_session):
    from django.core.exceptions import ValidationError

    session, _a, _b = zoom_session
    with pytest.raises(ValidationError) as error:
        attendance_report_import(
            session=session,
            content=b"Name,Email,Join time\nA,a@example.org,09/17/2025 03:00:00 PM\n",
            timezone_name="Europe/Moscow",
        )
    assert "leave time" in str(error.value)
    assert AttendanceEvent.objects.count() == 0


def test_csv_bad_dates_and_unknown_people_are_listed_and_not_stored(zoom_session):
    session, a, _b = zoom_session
    content = (
        "Name (original name),Email,Join time,Leave time,Duration (minutes)\n"
        "Алексей,alexey.morozov@example.org,09/17/2025 03:00:00 PM,09/17/2025 03:30:00 PM,30\n"
        "Алексей,alexey.morozov@example.org,31/17/2025 03:00:00 PM,09/17/2025 03:30:00 PM,30\n"
        "Алексей,alexey.morozov@example.org,09/17/2025 04:00:00 PM,09/17/2025 03:30:00 PM,30\n"
        "Кто-то,stranger@example.org,09/17/2025 03:00:00 PM,09/17/2025 03:30:00 PM,30\n"
    ).encode()
    result = attendance_report_import(session=session, content=content, timezone_name="Europe/Moscow")
    assert result.stored == 1
    assert [e["line"] for e in result.errors] == [3, 4]
    assert [u["email"] for u in result.unmatched] == ["stranger@example.org"]
    assert AttendanceEvent.objects.filter(session=session).count() == 1


def test_all_sources_for_one_participant_give_one_figure(settings):
    """Beats, BBB, a report row and a manual mark about the same person agree: the union counts once."""
    settings.REDIS_URL = ""
    season = SeasonFactory()
    start = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    session = LiveSessionFactory(season=season, starts_at=start, ends_at=start.replace(hour=13))
    person = ParticipantFactory(season=season)
    speaker = SpeakerFactory()
    session.speakers.set([speaker])
    from live.models import AttendanceEvent as E

    def ev(**kw):
        return E(session=session, user=person.user, **kw)

    E.objects.bulk_create(
        [
            # page: beats 12:00..12:19:30 → covers to 12:20:30
            *[
                ev(
                    source="page",
                    kind="beat",
                    connection="tab",
                    occurred_at=start.replace(minute=m // 2, second=30 * (m % 2)),
                    dedupe_key=f"b{m}",
                )
                for m in range(40)
            ],
            # BBB 12:15–12:40 (overlaps the page)
            ev(source="bbb", kind="join", connection="w_1", occurred_at=start.replace(minute=15), dedupe_key="j"),
            ev(source="bbb", kind="leave", connection="w_1", occurred_at=start.replace(minute=40), dedupe_key="l"),
            # report row 12:35–12:55 (overlaps BBB)
            ev(
                source="report",
                kind="interval",
                connection="r",
                occurred_at=start.replace(minute=35),
                ends_at=start.replace(minute=55),
                dedupe_key="r",
            ),
        ]
    )
    session_attendance_derive(session=session)
    row = session.attendances.get(user=person.user)
    figure = attendance_figure_for_user(session=session, user_id=person.user_id)
    assert row.covered_seconds == figure.covered_seconds == 55 * 60
    assert (row.status, figure.status) == ("present", "present")
    assert row.sources == ["bbb", "page", "report"]
    attendance_mark_set(
        session=session, user_id=person.user_id, status="excused", comment="Больничный", by=speaker.user
    )
    attendance_mark_set(session=session, user_id=person.user_id, status="late", comment="Опоздал", by=speaker.user)
    session_attendance_derive(session=session)
    row.refresh_from_db()
    assert (row.covered_seconds, row.status, row.manual) == (55 * 60, "late", True)
    assert session.manual_marks.count() == 2  # the history is kept


def test_automation_never_overwrites_a_manual_mark(settings):
    settings.REDIS_URL = ""
    session = LiveSessionFactory()
    person = ParticipantFactory(season=session.season)
    staff = UserFactory()
    from django.contrib.auth.models import Group

    staff.groups.add(Group.objects.get_or_create(name="staff")[0])
    attendance_mark_set(session=session, user_id=person.user_id, status="excused", comment="", by=staff)
    AttendanceEvent.objects.create(
        session=session,
        user=person.user,
        source="bbb",
        kind="join",
        connection="w",
        occurred_at=session.starts_at,
        dedupe_key="x",
    )
    session_attendance_derive(session=session, now=session.ends_at)
    assert session.attendances.get(user=person.user).status == "excused"


def test_only_speakers_of_the_session_and_staff_may_mark():
    from django.core.exceptions import PermissionDenied

    session = LiveSessionFactory()
    person = ParticipantFactory(season=session.season)
    other_speaker = SpeakerFactory()
    with pytest.raises(PermissionDenied):
        attendance_mark_set(
            session=session, user_id=person.user_id, status="present", comment="", by=other_speaker.user
        )
    assert not LiveSession.objects.filter(manual_marks__isnull=False).exists()
