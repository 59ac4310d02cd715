"""What editors do in Wagtail: create lectures, schedule them, send them through moderation."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from wagtail.models import Revision

from cms.tasks import pages_publish_scheduled_task
from courses.models import LecturePage
from courses.selectors import lecture_rows_for_participant
from courses.tests.factories import lecture_make, video_make
from lms.services import roles_sync
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client):
    roles_sync()
    editor = UserFactory(username="editor-1", email="editor@example.org")
    editor.groups.add(Group.objects.get(name="editor"))
    client.force_login(editor)
    return client


def _lecture_form(*, slug, available_from, deadline, video):
    def local(moment):
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")

    return {
        "title": "Новая лекция",
        "slug": slug,
        "video": video.pk,
        "description-count": 0,
        "required": "on",
        "available_from": local(available_from),
        "deadline": local(deadline),
        "completion_threshold": "",
        "go_live_at": "",
        "expire_at": "",
        "seo_title": "",
        "search_description": "",
        "comments-TOTAL_FORMS": 0,
        "comments-INITIAL_FORMS": 0,
        "comments-MIN_NUM_FORMS": 0,
        "comments-MAX_NUM_FORMS": 1000,
    }


@pytest.mark.parametrize(
    ("action", "headers", "status"),
    [
        ({}, {}, 200),  # "Save draft": required fields deferred, the dates still checked
        ({"action-publish": "1"}, {}, 200),
        ({}, {"HTTP_ACCEPT": "application/json"}, 400),  # the editor's autosave while typing
    ],
    ids=["draft", "publish", "autosave"],
)
def test_a_lecture_with_its_deadline_before_its_opening_creates_nothing(editor_client, course, action, headers, status):
    now = timezone.now()
    url = f"/cms/pages/add/courses/lecturepage/{course.pk}/"
    form = _lecture_form(
        slug="novaya", available_from=now + timedelta(days=2), deadline=now + timedelta(days=1), video=video_make()
    )
    response = editor_client.post(url, {**form, **action}, HTTP_ACCEPT_LANGUAGE="en", **headers)
    assert response.status_code == status
    if status == 200:
        assert "The deadline must come after the opening time." in response.content.decode()
    assert not LecturePage.objects.exists()
    # No slug left taken: the same slug with valid dates makes the draft.
    valid = {**form, "deadline": timezone.localtime(now + timedelta(days=9)).strftime("%Y-%m-%d %H:%M")}
    assert editor_client.post(url, valid).status_code == 302
    assert LecturePage.objects.get().slug == "novaya"


def _titles(participant) -> list[str]:
    return [row.lecture.title for row in lecture_rows_for_participant(participant=participant)]


def test_a_scheduled_lecture_appears_to_participants_once_the_beat_task_runs(course, participant):
    lecture = lecture_make(course=course, live=False)
    lecture.go_live_at = timezone.now() + timedelta(hours=1)
    revision = lecture.save_revision()
    revision.publish()  # a future go-live time schedules the revision instead of publishing it
    lecture.refresh_from_db()
    assert not lecture.live and _titles(participant) == []
    # The go-live time comes (moved back rather than waited for): the lecture waits for the task.
    past = timezone.now() - timedelta(minutes=1)
    revision.content["go_live_at"] = past.isoformat()
    Revision.objects.filter(pk=revision.pk).update(approved_go_live_at=past, content=revision.content)
    assert _titles(participant) == []
    pages_publish_scheduled_task.apply()
    assert _titles(participant) == [lecture.title]
    lecture.refresh_from_db()
    assert lecture.live and lecture.live_revision_id == revision.pk


def test_an_expired_lecture_is_unpublished_by_the_beat_task(course, participant):
    lecture = lecture_make(course=course)
    LecturePage.objects.filter(pk=lecture.pk).update(expire_at=timezone.now() - timedelta(minutes=1))
    assert _titles(participant) == [lecture.title]
    pages_publish_scheduled_task.apply()
    assert _titles(participant) == []
    assert LecturePage.objects.get(pk=lecture.pk).expired


def test_scheduled_publishing_is_on_beats_schedule():
    from lms.celery import app

    entry = app.conf.beat_schedule["cms: publish scheduled pages"]
    assert entry == {"task": "cms.pages_publish_scheduled", "schedule": 60}
