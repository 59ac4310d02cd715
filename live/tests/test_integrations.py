"""BigBlueButton and Zoom inputs, from the recorded payloads in fixtures/ (copied from the
programme's shared/fixtures/attendance, so the app's tests need nothing outside the repository)."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from live import apis
from live.models import AttendanceEvent, LiveSession
from live.rooms.bbb import client as bbb
from live.selectors import attendance_figure_for_user
from live.services.attendance import attendance_mark_set, session_attendance_derive
from live.services.reports import attendance_report_import
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
    from live.rooms.bbb.backend import BbbRoom

    session, a, _b = bbb_session
    url = BbbRoom().join_url(session, a.user)
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
    attendance_mark_set(session=session, user_id=person.user_id, status="excused", comment="Справка", by=staff)
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


# ---------------------------------------------------------------- malformed input, never a 500


def post_signed_webhook(client, raw_event: str):
    """A delivery signed exactly as bbb-webhooks signs one (sha256 over URL + body + secret)."""
    import hashlib
    from urllib.parse import urlencode

    body = urlencode({"domain": "bbb.example.org", "event": raw_event})
    checksum = hashlib.sha256(f"{CALLBACK}{body}{SECRET}".encode()).hexdigest()
    return client.post(
        f"/integrations/bbb/webhook/?checksum={checksum}",
        data=body.encode(),
        content_type="application/x-www-form-urlencoded;charset=UTF-8",
    )


def _joined_event():
    """The recorded user-joined of participant A (prk-user-1042), as one mapped event."""
    request = next(r for r in requests_fixture() if r["event_id"] == "user-joined" and "prk-user-1042" in r["body"])
    return json.loads(request["form"]["event"])[0]


def _without(event: dict, *path: str) -> dict:
    event = json.loads(json.dumps(event))
    target = event
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return event


@pytest.mark.parametrize(
    ("raw", "skipped"),
    [
        ("1", 1),
        ('{"data": "x"}', 1),
        ('[1, null, "text", []]', 4),
        ('[{"data": {"id": "user-joined"}}]', 1),
        ("__no_ts__", 1),
        ("__ts_as_text__", 1),
        ("__ts_out_of_range__", 1),
        ("__user_not_an_object__", 1),
        ("__meeting_ended_without_ts__", 1),
        ("__nul_in_internal_id__", 1),
    ],
)
def test_signed_webhooks_of_the_wrong_shape_store_nothing_and_say_so(client, bbb_session, raw, skipped):
    session, _a, _b = bbb_session
    good = _joined_event()
    bad = {
        "__no_ts__": lambda: [_without(good, "data", "event", "ts")],
        "__ts_as_text__": lambda: [{**good, "data": {**good["data"], "event": {"ts": "1757505751952"}}}],
        "__ts_out_of_range__": lambda: [{**good, "data": {**good["data"], "event": {"ts": 10**20}}}],
        "__user_not_an_object__": lambda: [
            {**good, "data": {**good["data"], "attributes": {**good["data"]["attributes"], "user": 42}}}
        ],
        "__meeting_ended_without_ts__": lambda: [
            {"data": {"id": "meeting-ended", "attributes": {"meeting": {"external-meeting-id": "prk-2025-live-07"}}}}
        ],
        "__nul_in_internal_id__": lambda: [
            {
                **good,
                "data": {
                    **good["data"],
                    "attributes": {
                        **good["data"]["attributes"],
                        "user": {**good["data"]["attributes"]["user"], "internal-user-id": "w_\u0000"},
                    },
                },
            }
        ],
    }
    raw = json.dumps(bad[raw]()) if raw in bad else raw
    response = post_signed_webhook(client, raw)
    assert response.status_code == 200
    body = response.json()
    assert body["stored"] == 0 and len(body["skipped"]) == skipped
    assert all(item["message"] for item in body["skipped"])
    assert "detail" in body
    assert AttendanceEvent.objects.count() == 0
    session.refresh_from_db()
    assert session.actual_ended_at is None


def test_a_bad_event_does_not_spoil_the_good_ones_beside_it(client, bbb_session):
    _session, a, _b = bbb_session
    good = _joined_event()
    response = post_signed_webhook(client, json.dumps([1, _without(good, "data", "event", "ts"), good]))
    assert response.status_code == 200
    assert response.json()["stored"] == 1
    assert [item["item"] for item in response.json()["skipped"]] == ["событие 1", "событие 2"]
    assert AttendanceEvent.objects.get().user_id == a.user_id


@pytest.mark.parametrize("raw", ["", "{not json", "\u00ff\u00fe"])
def test_an_unreadable_signed_webhook_is_a_400_with_a_message(client, bbb_session, raw):
    response = post_signed_webhook(client, raw)
    assert response.status_code == 400
    assert response.json()["event"]
    assert AttendanceEvent.objects.count() == 0


def _post_analytics(client, monkeypatch, payload):
    headers = json.loads((FIXTURES / "bbb-analytics-callback.headers.json").read_text())
    monkeypatch.setattr(apis, "_now", lambda: datetime(2025, 9, 10, 14, 0, tzinfo=UTC))
    return client.post(
        "/integrations/bbb/analytics/",
        data=json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION=headers["headers"]["Authorization"],
    )


def _analytics():
    return json.loads((FIXTURES / "bbb-analytics-callback.json").read_text())


def _items_of(payload, ext_userid):
    attendee = next(a for a in payload["data"]["attendees"] if a["ext_user_id"] == ext_userid)
    return [item for connection in attendee["sessions"] for item in connection["joins"] + connection["lefts"]]


@pytest.mark.parametrize(
    "spoil",
    ["no userid", "empty userid", "bad timestamp", "timestamp without a zone", "timestamp a number", "item a string"],
)
def test_analytics_items_of_the_wrong_shape_are_skipped_the_rest_stored(client, bbb_session, monkeypatch, spoil):
    session, a, b = bbb_session
    payload = _analytics()
    item = _items_of(payload, "prk-user-1042")[0]  # A's first join
    if spoil == "no userid":
        del item["userid"]
    elif spoil == "empty userid":
        item["userid"] = ""
    elif spoil == "bad timestamp":
        item["timestamp"] = "10.09.2025 15:02"
    elif spoil == "timestamp without a zone":
        item["timestamp"] = "2025-09-10T15:02:31"
    elif spoil == "timestamp a number":
        item["timestamp"] = 1757505751952
    else:
        connection = next(a for a in payload["data"]["attendees"] if a["ext_user_id"] == "prk-user-1042")["sessions"][0]
        connection["joins"][0] = "join"
    ours = sum(len(_items_of(payload, f"prk-user-{user}")) for user in (1042, 1187))
    response = _post_analytics(client, monkeypatch, payload)
    assert response.status_code == 200
    if spoil != "item a string":  # a bare string is no join of ours at all: not counted as skipped
        assert len(response.json()["skipped"]) == 1 and response.json()["skipped"][0]["message"]
    assert response.json()["stored"] == ours - 1
    assert AttendanceEvent.objects.filter(session=session).count() == ours - 1
    # A's first join is gone: A's first connection now opens only at its leave, so A loses
    # 15:02:31–15:25:02; B is untouched (joined 15:12:05, to the end).
    assert attendance_figure_for_user(session=session, user_id=b.user_id).first_joined_at is not None


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"meeting_id": 7, "data": {"attendees": []}},
        {"meeting_id": "prk-2025-live-07"},
        {"meeting_id": "prk-2025-live-07", "data": {"attendees": "all"}},
        {"meeting_id": "prk-2025-live-07", "data": "x"},
        {"meeting_id": "a\u0000b", "data": {"attendees": []}},
    ],
)
def test_an_analytics_payload_without_its_meeting_or_attendees_is_a_400(client, bbb_session, monkeypatch, payload):
    response = _post_analytics(client, monkeypatch, payload)
    assert response.status_code == 400
    assert any(response.json().values())
    assert AttendanceEvent.objects.count() == 0


def test_analytics_attendees_of_the_wrong_shape_are_skipped(client, bbb_session, monkeypatch):
    payload = _analytics()
    payload["data"]["attendees"][0] = "nobody"
    payload["data"]["attendees"][1]["sessions"] = {"joins": []}
    response = _post_analytics(client, monkeypatch, payload)
    assert response.status_code == 200
    assert [item["item"] for item in response.json()["skipped"]] == ["участник 1", "участник 2"]
    # Only B's items are stored (A's attendee entry was spoilt).
    assert set(AttendanceEvent.objects.values_list("user_id", flat=True)) == {1187}


# ---------------------------------------------------------------- report rows by our id


def test_report_rows_match_by_our_participant_id_or_e_mail_never_guessed(zoom_session):
    session, a, b = zoom_session
    content = (
        "Name (original name),Participant ID,Email,Join time,Leave time\n"
        # by our id in the rooms' form, no e-mail: A
        f"Кто-то,prk-user-{a.user_id},,09/17/2025 03:00:00 PM,09/17/2025 03:30:00 PM\n"
        # by the bare number, with an e-mail that is no participant's: B by the id
        f"Мария,{b.user_id},maria@personal.example.org,09/17/2025 03:10:00 PM,09/17/2025 03:40:00 PM\n"
        # no id, by e-mail: B
        "Мария,,maria.petrova@example.org,09/17/2025 04:00:00 PM,09/17/2025 04:10:00 PM\n"
        # id and e-mail name different participants: not guessed
        f"Путаница,{a.user_id},maria.petrova@example.org,09/17/2025 03:00:00 PM,09/17/2025 03:30:00 PM\n"
        # an id that is nobody's in this track, and one that is no id of ours (Zoom's own)
        "Чужой,prk-user-999999,,09/17/2025 03:00:00 PM,09/17/2025 03:30:00 PM\n"
        "Зум,16778240,,09/17/2025 03:00:00 PM,09/17/2025 03:30:00 PM\n"
        "Зум,zoom-AbC-42,,09/17/2025 03:00:00 PM,09/17/2025 03:30:00 PM\n"
        # neither
        "Без всего,,,09/17/2025 03:00:00 PM,09/17/2025 03:30:00 PM\n"
    ).encode()
    result = attendance_report_import(session=session, content=content, timezone_name="Europe/Moscow")
    assert result.stored == 3
    assert [row["line"] for row in result.unmatched] == [5, 6, 7, 8, 9]
    assert [row["participant"] for row in result.unmatched[:4]] == [
        str(a.user_id),
        "prk-user-999999",
        "16778240",
        "zoom-AbC-42",
    ]
    stored = {(e.user_id, e.occurred_at.astimezone(UTC).strftime("%H:%M")) for e in AttendanceEvent.objects.all()}
    assert stored == {(a.user_id, "12:00"), (b.user_id, "12:10"), (b.user_id, "13:00")}


def test_a_report_with_only_our_id_column_is_taken_and_one_with_neither_is_refused(zoom_session):
    from django.core.exceptions import ValidationError

    session, a, _b = zoom_session
    only_id = f"participant_id,Join Time,Leave Time\nprk-user-{a.user_id},2025-09-17 15:00:00,2025-09-17 15:45:00\n"
    result = attendance_report_import(session=session, content=only_id.encode(), timezone_name="Europe/Moscow")
    assert result.stored == 1
    assert attendance_figure_for_user(session=session, user_id=a.user_id).covered_seconds == 45 * 60
    with pytest.raises(ValidationError) as error:
        attendance_report_import(
            session=session,
            content=b"Name,Join time,Leave time\nX,2025-09-17 15:00:00,2025-09-17 15:45:00\n",
            timezone_name="Europe/Moscow",
        )
    assert "email or participant id" in str(error.value) or "эл. почта или ID участника" in str(error.value)
    with pytest.raises(ValidationError):
        attendance_report_import(
            session=session,
            content=(
                f"participant,Join time,Leave time,Note\n{a.user_id},2025-09-17 15:00:00,2025-09-17 15:45:00,\x00\n"
            ).encode(),
            timezone_name="UTC",
        )
    assert AttendanceEvent.objects.count() == 1
