import uuid
from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from courses.models import DeadlineExtension, LecturePage
from courses.selectors import required_lectures_completion
from courses.services import deadline_extension_grant, lecture_draft_create
from courses.tests.factories import course_make, lecture_make, participant_make, video_make

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def client_of(api_client):
    def make(participant):
        api_client.force_authenticate(participant.user)
        return api_client

    return make


def test_list_shows_open_upcoming_and_closed_with_playback_only_when_open(store, course, participant, client_of):
    now = timezone.now()
    open_ = lecture_make(course=course)
    upcoming = lecture_make(course=course, available_from=now + timedelta(days=2), deadline=now + timedelta(days=9))
    closed = lecture_make(course=course, available_from=now - timedelta(days=9), deadline=now - timedelta(days=2))
    lecture_make(course=course, live=False)  # a draft is not shown
    response = client_of(participant).get("/api/v1/lectures/")
    assert response.status_code == 200
    rows = {row["id"]: row for row in response.json()}
    assert set(rows) == {open_.id, upcoming.id, closed.id}
    assert rows[open_.id]["state"] == "open" and "/hls/" in rows[open_.id]["playback_url"]
    assert rows[upcoming.id]["state"] == "upcoming" and rows[upcoming.id]["playback_url"] is None
    assert rows[closed.id]["state"] == "closed" and rows[closed.id]["playback_url"] is None
    assert "closed on" in rows[closed.id]["reason"] or "закрыт" in rows[closed.id]["reason"]
    assert set(rows[open_.id]) >= {
        "id",
        "title",
        "course",
        "duration",
        "available_from",
        "deadline",
        "state",
        "progress",
    }
    assert rows[open_.id]["duration"] == 120.0 and rows[open_.id]["course"]["id"] == course.id


def test_other_tracks_lectures_are_not_listed_and_answer_403(store, season, course, client_of):
    lecture = lecture_make(course=course)
    pro = participant_make(season=season, level="pro")
    client = client_of(pro)
    assert client.get("/api/v1/lectures/").json() == []
    response = client.get(f"/api/v1/lectures/{lecture.id}/")
    assert response.status_code == 403 and "not enrolled" in response.json()["detail"]
    assert client.post(f"/api/v1/lectures/{lecture.id}/playback/").status_code == 403


def test_detail_applies_the_extension_and_progress(store, course, participant, client_of, django_user_model):
    deadline = timezone.now() + timedelta(days=1)
    lecture = lecture_make(course=course, deadline=deadline)
    deadline_extension_grant(
        user=participant.user,
        course=course,
        deadline=deadline + timedelta(days=3),
        reason="Сессия в вузе",
        granted_by=django_user_model.objects.create(username="curator"),
    )
    client = client_of(participant)
    playback = str(uuid.uuid4())
    beat = {"playback_id": playback, "seq": 0, "from": 0, "to": 0, "rate": 1, "visible": True}
    assert client.post(f"/api/v1/lectures/{lecture.id}/progress/", beat, format="json").status_code == 200
    row = client.get(f"/api/v1/lectures/{lecture.id}/").json()
    assert row["deadline"].startswith(
        str((deadline + timedelta(days=3)).astimezone(timezone.get_current_timezone()).date())
    )
    assert row["progress"] == 0


def test_playback_url_renewal_is_refused_after_the_deadline(store, course, participant, client_of):
    lecture = lecture_make(course=course)
    client = client_of(participant)
    renewed = client.post(f"/api/v1/lectures/{lecture.id}/playback/")
    assert renewed.status_code == 200 and "token=" in renewed.json()["playback_url"]
    LecturePage.objects.filter(pk=lecture.pk).update(
        available_from=timezone.now() - timedelta(days=3), deadline=timezone.now() - timedelta(minutes=1)
    )
    refused = client.post(f"/api/v1/lectures/{lecture.id}/playback/")
    assert refused.status_code == 403 and "closed" in refused.json()["detail"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"from": -1, "to": 0}, 400, "from"),
        ({"from": 10, "to": 5, "seq": 1}, 400, "to"),
        ({"from": 0, "to": 500, "seq": 1}, 400, "to"),
        ({"rate": 50}, 400, "rate"),
        ({"playback_id": "not-a-uuid"}, 400, "playback_id"),
        ({"seq": -1}, 400, "seq"),
        ({"visible": "maybe"}, 400, "visible"),
        ({"seq": True}, 400, "seq"),
        ({"from": "0"}, 400, "from"),
        ({"rate": None}, 400, "rate"),
    ],
)
def test_bad_beats_answer_400_with_a_message(store, lecture, participant, client_of, body, status, field):
    beat = {"playback_id": str(uuid.uuid4()), "seq": 0, "from": 0, "to": 0, "rate": 1, "visible": True, **body}
    response = client_of(participant).post(f"/api/v1/lectures/{lecture.id}/progress/", beat, format="json")
    assert response.status_code == status and field in response.json()


def test_a_beat_that_is_not_an_object_is_refused(store, lecture, participant, client_of):
    response = client_of(participant).post(f"/api/v1/lectures/{lecture.id}/progress/", [1, 2], format="json")
    assert response.status_code == 400 and response.json()["detail"]


def test_unknown_lecture_is_404_and_anonymous_is_refused(store, participant, client_of, api_client):
    beat = {"playback_id": str(uuid.uuid4()), "seq": 0, "from": 0, "to": 0, "rate": 1, "visible": True}
    assert api_client.post("/api/v1/lectures/1/progress/", beat, format="json").status_code in (401, 403)
    response = client_of(participant).post("/api/v1/lectures/987654/progress/", beat, format="json")
    assert response.status_code == 404 and response.json()["detail"]


def test_progress_answer_tells_when_a_beat_got_no_credit(store, lecture, participant, client_of):
    client = client_of(participant)
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    url = f"/api/v1/lectures/{lecture.id}/progress/"
    client.post(url, {"playback_id": first, "seq": 0, "from": 0, "to": 0, "rate": 1, "visible": True}, format="json")
    answer = client.post(
        url, {"playback_id": second, "seq": 0, "from": 0, "to": 0, "rate": 1, "visible": True}, format="json"
    ).json()
    answer = client.post(
        url, {"playback_id": second, "seq": 1, "from": 0, "to": 0.5, "rate": 1, "visible": True}, format="json"
    ).json()
    assert answer["credited"] is False and answer["outcome"] == "other_playback" and answer["message"]
    assert set(answer) >= {"progress", "watched_seconds", "completed"}


@pytest.mark.parametrize("count", [2, 3])
def test_list_query_count_is_fixed(store, season, participant, client_of, django_assert_num_queries, count):
    for _ in range(2):
        course = course_make(season=season)
        for _ in range(count):
            lecture_make(course=course)
    client = client_of(participant)
    # session-less auth (force_authenticate); participant + season, courses, lectures + videos,
    # extensions, progress rows (the Redis store adds no query), Wagtail's site root paths for the
    # page URLs (once, then cached).
    with django_assert_num_queries(6):
        response = client.get("/api/v1/lectures/")
    assert len(response.json()) == 2 * count


@pytest.mark.parametrize("people", [3, 4])
def test_required_lectures_completion_query_count_is_fixed(season, course, django_assert_num_queries, people):
    lectures = [lecture_make(course=course) for _ in range(3)]
    lecture_make(course=course, required=False)
    users = [participant_make(season=season).user_id for _ in range(people)]
    # courses, lectures + videos, extensions, progress rows
    with django_assert_num_queries(4):
        result = required_lectures_completion(season_id=season.id, track="introductory", user_ids=users)
    assert [item["id"] for item in result["lectures"]] == [lecture.id for lecture in lectures]


def test_extensions_only_move_the_deadline_later(course, participant, django_user_model):
    deadline = timezone.now() + timedelta(days=1)
    lecture = lecture_make(course=course, deadline=deadline)
    staff = django_user_model.objects.create(username="curator")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        deadline_extension_grant(
            user=participant.user, lecture=lecture, deadline=deadline - timedelta(hours=1), reason="x", granted_by=staff
        )
    assert "deadline" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        deadline_extension_grant(
            user=participant.user, lecture=lecture, deadline=deadline + timedelta(hours=1), reason=" ", granted_by=staff
        )
    assert "reason" in error.value.message_dict
    extension = deadline_extension_grant(
        user=participant.user, lecture=lecture, deadline=deadline + timedelta(hours=1), reason="Болел", granted_by=staff
    )
    assert extension.granted_by == staff and extension.granted_at is not None
    with pytest.raises(IntegrityError):
        DeadlineExtension.objects.filter(pk=extension.pk).update(deadline=deadline - timedelta(days=1))


def test_lecture_draft_create_makes_an_unpublished_draft(course):
    video = video_make()
    lecture = lecture_draft_create(
        course_id=course.id, title="Запись эфира", video_asset_id=video.id, source_live_session_id=42
    )
    lecture.refresh_from_db()
    assert not lecture.live and lecture.has_unpublished_changes
    assert lecture.get_parent().specific == course and lecture.source_live_session_id == 42
    assert lecture.video_id == video.id and lecture.get_latest_revision() is not None


@pytest.mark.parametrize("count", [2, 3])
def test_staff_figures_query_count_is_fixed(season, course, django_assert_num_queries, count):
    from courses.selectors import lecture_figures_for_staff

    for _ in range(count):
        lecture_make(course=course)
    # courses, lectures + videos, progress aggregated per lecture
    with django_assert_num_queries(3):
        figures = lecture_figures_for_staff(season_id=season.id, track="introductory", participant_count=5)
    assert len(figures) == count


@pytest.mark.parametrize("count", [2, 3])
def test_cabinet_rows_query_count_is_fixed(store, season, course, participant, django_assert_num_queries, count):
    from courses.selectors import lecture_rows_for_participant

    for _ in range(count):
        lecture_make(course=course)
    # courses, lectures + videos, extensions, progress rows
    with django_assert_num_queries(4):
        rows = lecture_rows_for_participant(participant=participant)
    assert len(rows) == count
