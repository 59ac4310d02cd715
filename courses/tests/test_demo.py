from io import StringIO

import pytest
from django.core.management import call_command
from wagtail.models import WorkflowState

from courses.models import DeadlineExtension, LecturePage, LectureProgress
from courses.selectors import lecture_rows_for_participant, required_lectures_completion
from lms.models import Season
from lms.selectors import participant_current


@pytest.mark.django_db
def test_seed_demo_makes_transcoded_lectures_once(django_user_model, settings):
    settings.COURSES_REDIS_URL = ""
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())
    lectures = LecturePage.objects.live().select_related("video")
    assert lectures.count() == 5 + 4  # the current season's and the past season's
    assert all(lecture.video.state == "ready" and lecture.video.duration > 10 for lecture in lectures)
    beginner = participant_current(user=django_user_model.objects.get(username="demo-beginner"))
    states = {row.lecture.slug: row.access.state for row in lecture_rows_for_participant(participant=beginner)}
    assert states == {
        "osnovy-gosudarstva": "open",
        "cifrovaya-transformaciya": "closed",
        "proektnoe-upravlenie": "upcoming",
    }
    young = participant_current(user=django_user_model.objects.get(username="demo-young"))
    states = {row.lecture.slug: row.access.state for row in lecture_rows_for_participant(participant=young)}
    assert states["cifrovaya-transformaciya"] == "open"
    assert DeadlineExtension.objects.count() == 1
    # One lecture by demo-editor waits for staff's approval, not live.
    waiting = WorkflowState.objects.get(status=WorkflowState.STATUS_IN_PROGRESS)
    assert waiting.requested_by.username == "demo-editor"
    assert not LecturePage.objects.get(pk=waiting.object_id).live


@pytest.mark.django_db
def test_seed_demo_past_season_lectures_watched_more_or_less(django_user_model, settings):
    """The past season's four lectures are closed and share one clip; its participants watched
    all of them, some, or none, credited before the deadlines, and a second seed adds nothing."""
    settings.COURSES_REDIS_URL = ""
    call_command("seed_demo", stdout=StringIO())
    progress = sorted(LectureProgress.objects.values_list("user_id", "lecture_id", "progress", "completed_at"))
    call_command("seed_demo", stdout=StringIO())
    assert sorted(LectureProgress.objects.values_list("user_id", "lecture_id", "progress", "completed_at")) == progress
    past = Season.objects.get(slug="demo-past-season")
    data = required_lectures_completion(season_id=past.id, track="introductory")
    assert len(data["lectures"]) == 4 and all(lecture["duration"] > 10 for lecture in data["lectures"])
    assert len({lecture.video_id for lecture in LecturePage.objects.filter(slug__startswith="proshlyj-")}) == 1
    users = {user.username: user.pk for user in django_user_model.objects.filter(username__startswith="demo-past-")}
    completed = {name: len(data["completed"].get(pk, ())) for name, pk in users.items()}
    assert completed["demo-past-01"] == 4
    assert completed["demo-past-05"] == 3
    assert completed["demo-past-11"] == 0
    # Half of every lecture: progress shown, no lecture completed.
    halves = LectureProgress.objects.filter(user_id=users["demo-past-12"])
    assert completed["demo-past-12"] == 0 and {round(row.progress, 2) for row in halves} == {0.5}


@pytest.mark.django_db
def test_lecture_progress_credit_stamps_completion_at_its_time_and_counts_spans_once(season):
    from datetime import timedelta

    from django.utils import timezone

    from courses.services import lecture_progress_credit
    from courses.tests.factories import course_make, lecture_make, participant_make

    lecture = lecture_make(course=course_make(season=season), duration=100.0)
    user_id = participant_make(season=season).user_id
    then = timezone.now() - timedelta(days=30)
    lecture_progress_credit(user_id=user_id, lecture_id=lecture.id, spans=[(0.0, 50.0)], at=then)
    row = LectureProgress.objects.get(user_id=user_id, lecture=lecture)
    assert (row.progress, row.completed_at) == (0.5, None)
    # Overlapping spans count once; completion is stamped with the time the threshold was crossed.
    lecture_progress_credit(user_id=user_id, lecture_id=lecture.id, spans=[(40.0, 95.0), (0.0, 95.0)], at=then)
    lecture_progress_credit(user_id=user_id, lecture_id=lecture.id, spans=[(0.0, 95.0)], at=timezone.now())
    row.refresh_from_db()
    assert row.watched_seconds == 95.0 and row.completed_at == then
