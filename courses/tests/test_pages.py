from datetime import timedelta

import pytest
from django.utils import timezone, translation

from courses.tests.factories import lecture_make, participant_make
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db]


def test_lecture_page_plays_for_an_enrolled_participant(client, lecture, participant):
    client.force_login(participant.user)
    response = client.get(lecture.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "data-lecture-player" in html and "vendor/hls.min.js" in html and "token=" in html


@pytest.mark.parametrize(
    ("dates", "words"),
    [
        ({"available_from": 2, "deadline": 9}, "opens on"),
        ({"available_from": -9, "deadline": -2}, "closed on"),
    ],
)
def test_lecture_page_refuses_with_the_reason(client, course, participant, dates, words, settings):
    settings.LANGUAGE_CODE = "en"
    now = timezone.now()
    lecture = lecture_make(
        course=course,
        available_from=now + timedelta(days=dates["available_from"]),
        deadline=now + timedelta(days=dates["deadline"]),
    )
    client.force_login(participant.user)
    response = client.get(lecture.url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    html = response.content.decode()
    assert words in html.lower() and "data-lecture-player" not in html


def test_lecture_page_refuses_another_track(client, season, lecture):
    pro = participant_make(season=season, level="pro")
    client.force_login(pro.user)
    response = client.get(lecture.url)
    assert response.status_code == 403 and "data-lecture-player" not in response.content.decode()


def test_cabinet_lists_lectures_with_their_state(client, course, participant):
    now = timezone.now()
    lecture_make(course=course)
    lecture_make(course=course, available_from=now - timedelta(days=9), deadline=now - timedelta(days=2))
    lecture_make(course=course, available_from=now + timedelta(days=2), deadline=now + timedelta(days=9))
    client.force_login(participant.user)
    response = client.get("/cabinet/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200
    assert "lecture-not_started" in html and "lecture-closed" in html and "lecture-upcoming" in html


def test_staff_page_shows_figures_and_missing_lectures(client, season, lecture, participant):
    staff = UserFactory(username="curator-staff", is_staff=True)
    client.force_login(staff)
    response = client.get(f"/courses/staff/lectures/?season={season.pk}")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-testid="figure-{lecture.id}"' in html and f'data-testid="missing-{participant.user_id}"' in html
    client.force_login(participant.user)
    assert client.get("/courses/staff/lectures/").status_code == 403


def test_the_reason_is_in_russian_by_default(client, course, participant):
    now = timezone.now()
    lecture = lecture_make(course=course, available_from=now - timedelta(days=9), deadline=now - timedelta(days=2))
    client.force_login(participant.user)
    with translation.override("ru"):
        response = client.get(lecture.url)
    assert response.status_code == 403 and "Доступ к лекции закрыт" in response.content.decode()


def test_wagtail_view_restrictions_still_come_before_the_access_rules(client, lecture, participant):
    from wagtail.models import PageViewRestriction

    PageViewRestriction.objects.create(page=lecture, restriction_type=PageViewRestriction.PASSWORD, password="x")
    client.force_login(participant.user)
    response = client.get(lecture.url)
    assert "data-lecture-player" not in response.content.decode() and 'name="password"' in response.content.decode()


def test_staff_page_defaults_to_the_running_season_as_every_staff_page_does(client, season, lecture, participant):
    from tests.factories import SeasonFactory

    today = timezone.localdate()
    planned = dict(campaign_starts_on=today + timedelta(days=90), campaign_ends_on=today + timedelta(days=120))
    SeasonFactory(**planned)
    client.force_login(UserFactory(username="curator-default", is_staff=True))
    response = client.get("/courses/staff/lectures/")
    assert f'<option value="{season.pk}" selected>' in response.content.decode()
    assert f'data-testid="missing-{participant.user_id}"' in response.content.decode()
