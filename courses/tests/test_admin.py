from datetime import timedelta

import pytest
from django.utils import timezone

from courses.models import DeadlineExtension
from courses.tests.factories import lecture_make
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(username="admin-staff", is_staff=True, is_superuser=True))
    return client


def _form(participant, lecture, deadline):
    return {
        "user": participant.user_id,
        "lecture": lecture.id,
        "course": "",
        "deadline": timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M"),
        "reason": "Справка из вуза",
    }


def test_staff_grant_an_extension_in_wagtail_admin(staff_client, course, participant):
    deadline = timezone.now() + timedelta(days=1)
    lecture = lecture_make(course=course, deadline=deadline)
    response = staff_client.post(
        "/cms/deadline_extensions/new/", _form(participant, lecture, deadline + timedelta(days=2))
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    extension = DeadlineExtension.objects.get()
    assert extension.granted_by.username == "admin-staff" and extension.policy_deadline == lecture.deadline
    listing = staff_client.get("/cms/deadline_extensions/")
    assert listing.status_code == 200


def test_admin_refuses_an_earlier_deadline_with_a_message(staff_client, course, participant):
    deadline = timezone.now() + timedelta(days=1)
    lecture = lecture_make(course=course, deadline=deadline)
    response = staff_client.post(
        "/cms/deadline_extensions/new/",
        _form(participant, lecture, deadline - timedelta(hours=3)),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200 and "only move the deadline later" in response.content.decode()
    assert not DeadlineExtension.objects.exists()


def test_admin_refuses_a_second_extension_and_a_missing_target_with_messages(staff_client, course, participant):
    deadline = timezone.now() + timedelta(days=1)
    lecture = lecture_make(course=course, deadline=deadline)
    form = _form(participant, lecture, deadline + timedelta(days=2))
    assert staff_client.post("/cms/deadline_extensions/new/", form).status_code == 302
    again = staff_client.post("/cms/deadline_extensions/new/", form, HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 200 and DeadlineExtension.objects.count() == 1
    nowhere = staff_client.post("/cms/deadline_extensions/new/", {**form, "lecture": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert nowhere.status_code == 200 and "Choose either one lecture or a whole course." in nowhere.content.decode()
    assert DeadlineExtension.objects.count() == 1
