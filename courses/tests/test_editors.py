"""What editors do in Wagtail: create lectures, schedule them, send them through moderation."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Revision, WorkflowState

from cms.tasks import pages_publish_scheduled_task
from courses.models import LecturePage
from courses.selectors import lecture_rows_for_participant
from courses.tests.factories import lecture_make, video_make
from lms.services import roles_sync
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _member(role: str, username: str):
    roles_sync()
    user = UserFactory(username=username, email=f"{username}@example.org")
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def editor_client(client):
    client.force_login(_member("editor", "editor-1"))
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


def test_an_editors_publish_is_a_submission_that_staff_approve(editor_client, course, participant):
    now = timezone.now()
    url = f"/cms/pages/add/courses/lecturepage/{course.pk}/"
    page = editor_client.get(url).content.decode()
    assert 'name="action-submit"' in page and 'name="action-publish"' not in page
    form = _lecture_form(
        slug="moderated", available_from=now - timedelta(days=1), deadline=now + timedelta(days=9), video=video_make()
    )
    # Even a forged "publish" only saves a draft: editors have no publish permission.
    assert editor_client.post(url, {**form, "action-publish": "1"}).status_code == 302
    lecture = LecturePage.objects.get()
    assert not lecture.live
    edit = f"/cms/pages/{lecture.pk}/edit/"
    assert editor_client.post(edit, {**form, "action-submit": "1"}).status_code == 302
    state = WorkflowState.objects.get(object_id=str(lecture.pk), status=WorkflowState.STATUS_IN_PROGRESS)
    lecture.refresh_from_db()
    assert not lecture.live and _titles(participant) == []
    # A staff member (the staff group, no superuser) approves: the lecture goes live.
    staff = _member("staff", "staff-1")
    editor_client.force_login(staff)
    approve = reverse("wagtailadmin_pages:workflow_action", args=(lecture.pk, "approve", state.current_task_state_id))
    assert editor_client.post(approve, {"comment": ""}).status_code == 302
    lecture.refresh_from_db()
    assert lecture.live and _titles(participant) == ["Новая лекция"]
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_APPROVED


def test_staff_keep_publishing_and_editors_lost_it(course):
    from wagtail.models import GroupPagePermission

    from cms.services import site_root_ensure

    site_root_ensure()  # also what a database made before moderation gets after its next migrate
    granted = set(GroupPagePermission.objects.values_list("group__name", "permission__codename"))
    assert ("staff", "publish_page") in granted and ("editor", "publish_page") not in granted
    assert ("editor", "change_page") in granted
    lecture = lecture_make(course=course)
    assert lecture.get_workflow().name == "Утверждение сотрудниками программы"
