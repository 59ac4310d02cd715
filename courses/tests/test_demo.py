from io import StringIO

import pytest
from django.core.management import call_command
from wagtail.models import WorkflowState

from courses.models import DeadlineExtension, LecturePage
from courses.selectors import lecture_rows_for_participant
from lms.selectors import participant_current


@pytest.mark.django_db
def test_seed_demo_makes_transcoded_lectures_once(django_user_model, settings):
    settings.COURSES_REDIS_URL = ""
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())
    lectures = LecturePage.objects.live().select_related("video")
    assert lectures.count() == 5
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
