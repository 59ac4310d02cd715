"""Experts publish their own interview slots: the rules, the API, the page, who may do what."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from assessments.models import ExpertProfile, Interview, InterviewPlan, InterviewSlot
from assessments.services.interviews import interview_book, interview_cancel
from assessments.services.slots import (
    expert_timezone_update,
    interview_slot_create,
    interview_slot_delete,
    interview_slot_series_create,
)
from assessments.tests.test_interviews import _admit
from lms import roles
from lms.errors import ConflictError
from tests.factories import ParticipantFactory, SeasonFactory, UserFactory

pytestmark = pytest.mark.django_db

MOSCOW = ZoneInfo("Europe/Moscow")
KAMCHATKA = ZoneInfo("Asia/Kamchatka")


def _role(user, role):
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def season():
    """A season whose interview period runs from three days ago to three weeks ahead."""
    today = timezone.localdate()
    return SeasonFactory(interviews_starts_on=today - timedelta(days=3), interviews_ends_on=today + timedelta(days=20))


@pytest.fixture
def expert():
    return _role(UserFactory(username="expert-own", first_name="Ольга", last_name="Экспертова"), roles.EXPERT)


def _day(season, offset=5) -> date:
    return timezone.localdate() + timedelta(days=offset)


def _at(day: date, hour: int, minute: int = 0, tz=MOSCOW) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=tz)


def _create(expert, season, starts_at, minutes=30, **place):
    place = place or {"meeting_url": "https://meet.example.org/olga"}
    return interview_slot_create(expert=expert, season=season, starts_at=starts_at, duration_minutes=minutes, **place)


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


# ---------------------------------------------------------------- the rules (services)


def test_a_slot_is_stored_in_utc_from_the_experts_own_zone(season, expert):
    expert_timezone_update(user=expert, tz="Asia/Kamchatka")
    day = _day(season)
    slot = interview_slot_series_create(
        expert=expert,
        season=season,
        day=day,
        from_time=time(10),
        until_time=time(11),
        duration_minutes=30,
        room="Ауд. 5",
    )[0]
    # 10:00 in Kamchatka (UTC+12) is 22:00 UTC the day before.
    assert slot.starts_at == datetime.combine(day - timedelta(days=1), time(22), tzinfo=ZoneInfo("UTC"))
    assert slot.ends_at - slot.starts_at == timedelta(minutes=30)
    assert slot.room == "Ауд. 5" and slot.meeting_url == "" and slot.published


def test_overlapping_slots_of_one_expert_are_refused(season, expert):
    day = _day(season)
    first = _create(expert, season, _at(day, 10))
    for starts, minutes in ((_at(day, 10, 15), 30), (_at(day, 9, 45), 30), (_at(day, 10), 30), (_at(day, 9), 120)):
        with pytest.raises(ValidationError) as error:
            _create(expert, season, starts, minutes)
        assert "пересекается с вашим слотом" in error.value.message_dict["starts_at"][0]
    # Touching is not overlapping; another expert may use the same time.
    assert _create(expert, season, _at(day, 10, 30)).id
    other = _role(UserFactory(username="expert-other"), roles.EXPERT)
    assert _create(other, season, _at(day, 10)).id
    assert InterviewSlot.objects.filter(expert=expert).count() == 2 and first.id


def test_slots_only_in_the_interview_period_and_in_the_future(season, expert):
    now = timezone.now()
    with pytest.raises(ValidationError, match="прошлом"):
        _create(expert, season, now - timedelta(minutes=5))
    after = datetime.combine(season.interviews_ends_on + timedelta(days=1), time(10), tzinfo=MOSCOW)
    with pytest.raises(ValidationError, match="вне периода собеседований"):
        _create(expert, season, after)
    # The last evening of the period: a slot ending after midnight (the expert's zone) is outside.
    last = season.interviews_ends_on
    with pytest.raises(ValidationError, match="вне периода"):
        _create(expert, season, _at(last, 23, 45), 30)
    assert _create(expert, season, _at(last, 23, 30), 30).id
    assert InterviewSlot.objects.count() == 1


def test_the_period_is_read_in_the_experts_zone(season, expert):
    """The first day of the period at 08:00 in Kamchatka is still the day before in Moscow: it is
    the expert's calendar that counts."""
    season.interviews_starts_on = timezone.localdate() + timedelta(days=2)
    season.save(update_fields=["interviews_starts_on"])
    expert_timezone_update(user=expert, tz="Asia/Kamchatka")
    assert _create(expert, season, _at(season.interviews_starts_on, 8, tz=KAMCHATKA)).id
    with pytest.raises(ValidationError, match="вне периода"):
        _create(expert, season, _at(season.interviews_starts_on - timedelta(days=1), 23, tz=KAMCHATKA))


def test_link_or_room_duration_and_bad_links(season, expert):
    starts = _at(_day(season), 12)
    with pytest.raises(ValidationError) as error:
        _create(expert, season, starts, meeting_url="", room="")
    assert "ссылку" in error.value.message_dict["meeting_url"][0]
    with pytest.raises(ValidationError):
        _create(expert, season, starts, meeting_url="https://meet.example.org/x", room="Ауд. 1")
    with pytest.raises(ValidationError) as error:
        _create(expert, season, starts, meeting_url="не ссылка")
    assert "meeting_url" in error.value.message_dict
    for minutes in (5, 241):
        with pytest.raises(ValidationError) as error:
            _create(expert, season, starts, minutes)
        assert "duration_minutes" in error.value.message_dict
    assert not InterviewSlot.objects.exists()


def test_a_series_fills_the_day_and_is_all_or_nothing(season, expert):
    day = _day(season)
    slots = interview_slot_series_create(
        expert=expert,
        season=season,
        day=day,
        from_time=time(10),
        until_time=time(14),
        duration_minutes=30,
        meeting_url="https://meet.example.org/olga",
    )
    assert [s.starts_at.astimezone(MOSCOW).strftime("%H:%M") for s in slots] == [
        "10:00",
        "10:30",
        "11:00",
        "11:30",
        "12:00",
        "12:30",
        "13:00",
        "13:30",
    ]
    # With a break: 15:00–15:45, 16:00–16:45; 17:00 would end after 17:30.
    with_break = interview_slot_series_create(
        expert=expert,
        season=season,
        day=day,
        from_time=time(15),
        until_time=time(17, 30),
        duration_minutes=45,
        break_minutes=15,
        room="Ауд. 2",
    )
    assert [s.starts_at.astimezone(MOSCOW).strftime("%H:%M") for s in with_break] == ["15:00", "16:00"]
    # 13:00–15:00 overlaps 13:00 and 13:30 (and touches 15:00): nothing of it is saved, both named.
    with pytest.raises(ValidationError) as error:
        interview_slot_series_create(
            expert=expert,
            season=season,
            day=day,
            from_time=time(12, 45),
            until_time=time(15),
            duration_minutes=30,
            room="Ауд. 2",
        )
    assert len(error.value.message_dict["starts_at"]) == 3  # 12:45, 13:15, 13:45 collide
    assert InterviewSlot.objects.filter(expert=expert).count() == 10


def test_a_series_that_ends_before_it_starts_or_is_too_long_is_refused(season, expert):
    day = _day(season)
    with pytest.raises(ValidationError) as error:
        interview_slot_series_create(
            expert=expert,
            season=season,
            day=day,
            from_time=time(14),
            until_time=time(10),
            duration_minutes=30,
            room="1",
        )
    assert "until_time" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        interview_slot_series_create(
            expert=expert,
            season=season,
            day=day,
            from_time=time(0),
            until_time=time(23, 59),
            duration_minutes=15,
            room="1",
        )
    assert "48" in error.value.message_dict["until_time"][0]
    assert not InterviewSlot.objects.exists()


def test_no_slots_where_the_season_offers_no_online_interviews(season, expert):
    InterviewPlan.objects.create(season=season, offers_online=False, offers_offline=True)
    with pytest.raises(ValidationError) as error:
        _create(expert, season, _at(_day(season), 10))
    assert "season" in error.value.message_dict


def test_only_experts_publish_and_only_their_own_slots_are_removed(season, expert):
    participant = ParticipantFactory(season=season)
    with pytest.raises(PermissionDenied):
        _create(participant.user, season, _at(_day(season), 10))
    slot = _create(expert, season, _at(_day(season), 10))
    other = _role(UserFactory(username="expert-b"), roles.EXPERT)
    for intruder in (other, participant.user):
        with pytest.raises(PermissionDenied):
            interview_slot_delete(slot=slot, user=intruder)
    assert InterviewSlot.objects.filter(pk=slot.pk).exists()
    assert interview_slot_delete(slot=slot, user=expert) is True
    assert not InterviewSlot.objects.filter(pk=slot.pk).exists()


def test_published_slots_are_booked_as_before_and_a_booked_one_is_not_removed(season, expert):
    InterviewPlan.objects.create(season=season, cancel_cutoff_hours=24)
    participant = ParticipantFactory(season=season)
    _admit(participant)
    slot = _create(expert, season, _at(_day(season), 10))
    interview = interview_book(participant=participant, user=participant.user, slot=slot)
    with pytest.raises(ConflictError, match="забронирован"):
        interview_slot_delete(slot=slot, user=expert)
    assert InterviewSlot.objects.get(pk=slot.pk).published
    # Once cancelled, the slot goes; its cancelled booking keeps the row, withdrawn.
    interview_cancel(interview=interview, user=participant.user)
    assert interview_slot_delete(slot=slot, user=expert) is False
    slot.refresh_from_db()
    assert not slot.published and Interview.objects.get(pk=interview.pk).slot_id == slot.id
    # The time is free again for the expert.
    assert _create(expert, season, _at(_day(season), 10)).id != slot.id


# ---------------------------------------------------------------- the API


def test_api_create_list_and_delete(season, expert):
    client = _client(expert)
    day = _day(season)
    response = client.post(
        reverse("assessments:expert-slot-create"),
        {
            "season_id": season.id,
            "starts_at": f"{day.isoformat()}T10:00",
            "duration_minutes": 45,
            "meeting_url": "https://meet.example.org/olga",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["duration_minutes"] == 45 and body["booked"] is False and body["interview_id"] is None
    # Without an offset the time is the expert's (Moscow by default): 10:00 MSK is 07:00 UTC.
    assert InterviewSlot.objects.get(pk=body["id"]).starts_at == _at(day, 10)
    series = client.post(
        reverse("assessments:expert-slot-series-create"),
        {
            "season_id": season.id,
            "day": day.isoformat(),
            "from_time": "12:00",
            "until_time": "13:00",
            "duration_minutes": 30,
            "room": "Ауд. 7",
        },
        format="json",
    )
    assert series.status_code == 201 and len(series.json()) == 2
    listed = client.get(reverse("assessments:expert-slot-list"), {"season": season.id}).json()
    assert [row["id"] for row in listed] == [body["id"], *[row["id"] for row in series.json()]]
    assert client.delete(reverse("assessments:expert-slot-delete", args=[body["id"]])).status_code == 204
    assert len(client.get(reverse("assessments:expert-slot-list")).json()) == 2


def test_api_naive_times_are_read_in_the_experts_zone(season, expert):
    ExpertProfile.objects.create(user=expert, timezone="Asia/Kamchatka")
    day = _day(season)
    response = _client(expert).post(
        reverse("assessments:expert-slot-create"),
        {"season_id": season.id, "starts_at": f"{day.isoformat()}T10:00", "duration_minutes": 30, "room": "1"},
        format="json",
    )
    assert response.status_code == 201
    assert InterviewSlot.objects.get().starts_at == _at(day, 10, tz=KAMCHATKA)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"starts_at": "завтра"}, "starts_at"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": "полчаса"}, "duration_minutes"),
        ({"season_id": 999999}, "season_id"),
        ({"meeting_url": "ftp//broken"}, "meeting_url"),
        ({"room": "Ауд. 1"}, "meeting_url"),  # a link and a room
        ({"starts_at": "2001-01-01T10:00"}, "starts_at"),  # in the past and outside the period
    ],
)
def test_api_bad_inputs_are_400_with_a_message(season, expert, body, field):
    good = {
        "season_id": season.id,
        "starts_at": f"{_day(season).isoformat()}T10:00",
        "duration_minutes": 30,
        "meeting_url": "https://meet.example.org/olga",
    }
    response = _client(expert).post(reverse("assessments:expert-slot-create"), {**good, **body}, format="json")
    assert response.status_code == 400
    assert response.json()[field][0]
    assert not InterviewSlot.objects.exists()


def test_api_bad_series_and_list_inputs(season, expert):
    client = _client(expert)
    response = client.post(
        reverse("assessments:expert-slot-series-create"),
        {"season_id": season.id, "day": "31.02", "from_time": "25:00", "until_time": "12:00", "duration_minutes": 30},
        format="json",
    )
    assert response.status_code == 400 and {"day", "from_time"} <= set(response.json())
    assert client.get(reverse("assessments:expert-slot-list"), {"season": "x"}).status_code == 400


def test_api_overlap_answers_400_naming_the_other_slot(season, expert):
    _create(expert, season, _at(_day(season), 10))
    starts = _at(_day(season), 10, 15).isoformat()
    response = _client(expert).post(
        reverse("assessments:expert-slot-create"),
        {"season_id": season.id, "starts_at": starts, "duration_minutes": 30, "room": "1"},
        format="json",
    )
    assert response.status_code == 400 and "10:00–10:30" in response.json()["starts_at"][0]


def test_api_permissions(season, expert):
    slot = _create(expert, season, _at(_day(season), 10))
    participant = ParticipantFactory(season=season)
    other = _role(UserFactory(username="expert-c"), roles.EXPERT)
    body = {"season_id": season.id, "starts_at": _at(_day(season), 12).isoformat(), "duration_minutes": 30, "room": "1"}
    participant_client = _client(participant.user)
    assert participant_client.post(reverse("assessments:expert-slot-create"), body, format="json").status_code == 403
    assert participant_client.get(reverse("assessments:expert-slot-list")).status_code == 403
    assert participant_client.delete(reverse("assessments:expert-slot-delete", args=[slot.id])).status_code == 403
    response = _client(other).delete(reverse("assessments:expert-slot-delete", args=[slot.id]))
    assert response.status_code == 403 and response.json()["detail"]
    # Another expert's list holds only their own slots.
    assert _client(other).get(reverse("assessments:expert-slot-list")).json() == []
    assert APIClient().get(reverse("assessments:expert-slot-list")).status_code in (401, 403)
    assert InterviewSlot.objects.filter(pk=slot.pk).exists() and InterviewSlot.objects.count() == 1
    staff = _role(UserFactory(username="staff-x"), roles.STAFF)
    assert _client(staff).delete(reverse("assessments:expert-slot-delete", args=[slot.id])).status_code == 204


def test_api_a_booked_slot_answers_409(season, expert):
    participant = ParticipantFactory(season=season)
    _admit(participant)
    slot = _create(expert, season, _at(_day(season), 10))
    interview_book(participant=participant, user=participant.user, slot=slot)
    response = _client(expert).delete(reverse("assessments:expert-slot-delete", args=[slot.id]))
    assert response.status_code == 409 and "забронирован" in response.json()["detail"]
    listed = _client(expert).get(reverse("assessments:expert-slot-list")).json()
    assert listed[0]["booked"] is True and listed[0]["participant_name"].startswith(participant.application.last_name)


def test_expert_slot_list_query_count(season, expert, django_assert_num_queries):
    client = _client(expert)
    url = reverse("assessments:expert-slot-list")
    participant = ParticipantFactory(season=season)
    _admit(participant)
    booked = _create(expert, season, _at(_day(season), 9))
    interview_book(participant=participant, user=participant.user, slot=booked)
    _create(expert, season, _at(_day(season), 10))
    client.get(url)  # warm up
    # the expert role (1), the slots with their bookings (1), the booked participants' names from
    # lms's selector (1)
    with django_assert_num_queries(3):
        assert len(client.get(url).json()) == 2
    _create(expert, season, _at(_day(season), 11))
    with django_assert_num_queries(3):
        assert len(client.get(url).json()) == 3


# ---------------------------------------------------------------- the page


def test_the_page_adds_a_series_and_removes_a_slot(season, expert, client):
    client.force_login(expert)
    url = reverse("assessments:expert-availability")
    page = client.get(url)
    assert page.status_code == 200 and season.name in page.content.decode()
    day = _day(season)
    response = client.post(
        url,
        {
            "action": "series",
            "season": season.id,
            "day": day.isoformat(),
            "from_time": "10:00",
            "until_time": "11:30",
            "duration": "30",
            "break": "0",
            "meeting_url": "https://meet.example.org/olga",
            "room": "",
        },
    )
    assert response.status_code == 302
    assert InterviewSlot.objects.filter(expert=expert).count() == 3
    html = client.get(response["Location"]).content.decode()
    assert "Опубликовано слотов: 3" in html and "10:00–10:30" in html
    first = InterviewSlot.objects.filter(expert=expert).order_by("starts_at").first()
    client.post(reverse("assessments:expert-slot-remove", args=[first.id]))
    assert InterviewSlot.objects.filter(expert=expert).count() == 2


def test_the_page_keeps_the_input_and_explains_a_refusal(season, expert, client):
    client.force_login(expert)
    _create(expert, season, _at(_day(season), 10))
    response = client.post(
        reverse("assessments:expert-availability"),
        {
            "action": "slot",
            "season": season.id,
            "day": _day(season).isoformat(),
            "starts": "10:15",
            "duration": "30",
            "meeting_url": "",
            "room": "Ауд. 3",
        },
    )
    html = response.content.decode()
    assert response.status_code == 400 and "пересекается с вашим слотом" in html
    assert 'value="10:15"' in html and 'value="Ауд. 3"' in html
    assert InterviewSlot.objects.count() == 1


def test_a_booked_slot_has_no_remove_button_and_a_forced_remove_is_explained(season, expert, client):
    participant = ParticipantFactory(season=season)
    _admit(participant)
    slot = _create(expert, season, _at(_day(season), 10))
    interview_book(participant=participant, user=participant.user, slot=slot)
    client.force_login(expert)
    html = client.get(reverse("assessments:expert-availability")).content.decode()
    assert reverse("assessments:expert-slot-remove", args=[slot.id]) not in html
    assert "Забронирован" in html
    response = client.post(reverse("assessments:expert-slot-remove", args=[slot.id]), follow=True)
    assert "нельзя удалить" in response.content.decode()
    assert InterviewSlot.objects.filter(pk=slot.pk, published=True).exists()


def test_the_page_is_for_experts_and_in_their_tools(season, expert, client):
    participant = ParticipantFactory(season=season)
    client.force_login(participant.user)
    assert client.get(reverse("assessments:expert-availability")).status_code == 403
    client.force_login(expert)
    workspace = client.get(reverse("cabinet")).content.decode()
    assert reverse("assessments:expert-availability") in workspace
    assert reverse("assessments:expert-interviews") in workspace


def test_the_expert_time_zone_is_kept_and_remembered_at_login(season, expert, client):
    from lms.middleware import SESSION_TIMEZONE_KEY

    client.force_login(expert)
    response = client.post(reverse("assessments:expert-timezone"), {"timezone": "Asia/Vladivostok"})
    assert response.status_code == 302
    assert ExpertProfile.objects.get(user=expert).timezone == "Asia/Vladivostok"
    assert client.post(reverse("assessments:expert-timezone"), {"timezone": "Mars/Olympus"}).status_code == 302
    assert ExpertProfile.objects.get(user=expert).timezone == "Asia/Vladivostok"
    client.logout()
    from tests.factories import TEST_PASSWORD

    assert client.post("/accounts/login/", {"login": expert.username, "password": TEST_PASSWORD}).status_code == 302
    assert client.session[SESSION_TIMEZONE_KEY] == "Asia/Vladivostok"


def test_the_page_names_missing_or_unreadable_fields(season, expert, client):
    client.force_login(expert)
    url = reverse("assessments:expert-availability")
    missing = client.post(url, {"action": "slot", "season": season.id, "day": _day(season).isoformat()})
    assert missing.status_code == 400 and "Заполните все поля формы" in missing.content.decode()
    unreadable = client.post(
        url, {"action": "series", "season": season.id, "day": "завтра", "from_time": "10 утра", "until_time": "12:00"}
    )
    html = unreadable.content.decode()
    assert unreadable.status_code == 400 and "Укажите дату" in html and "Укажите время начала серии" in html
    assert not InterviewSlot.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_overlapping_slots_one_is_published(season, expert):
    """The expert's row lock makes the second request see the first slot: one 201, one 400."""
    import threading

    from django.db import connection

    barrier, codes = threading.Barrier(2), []

    def create(minute):
        client = _client(expert)
        barrier.wait()
        body = {"season_id": season.id, "starts_at": _at(_day(season), 10, minute).isoformat(), "duration_minutes": 30}
        codes.append(
            client.post(reverse("assessments:expert-slot-create"), {**body, "room": "1"}, format="json").status_code
        )
        connection.close()

    threads = [threading.Thread(target=create, args=(minute,)) for minute in (0, 10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [201, 400]
    assert InterviewSlot.objects.count() == 1


def test_staff_in_the_admin_cannot_add_a_slot_overlapping_the_experts_own(season, expert):
    from assessments.admin import InterviewSlotForm

    kept = _create(expert, season, _at(_day(season), 10))

    def form(starts, ends, instance=None, published=True):
        return InterviewSlotForm(
            data={
                "season": season.pk,
                "expert": expert.pk,
                "starts_at": timezone.localtime(starts).strftime("%Y-%m-%d %H:%M:%S"),
                "ends_at": timezone.localtime(ends).strftime("%Y-%m-%d %H:%M:%S"),
                "published": "on" if published else "",
                "room": "Room 1",
            },
            instance=instance,
        )

    overlapping = form(_at(_day(season), 10, 15), _at(_day(season), 10, 45))
    assert not overlapping.is_valid()
    assert "10:00 — 10:30" in str(overlapping.errors)  # names the slot it overlaps
    assert form(_at(_day(season), 10, 30), _at(_day(season), 11)).is_valid()  # right after it
    assert form(_at(_day(season), 10, 15), _at(_day(season), 10, 45), published=False).is_valid()
    # Moving the slot itself within its own time is no overlap with itself.
    assert form(_at(_day(season), 10, 5), _at(_day(season), 10, 35), instance=kept).is_valid()
