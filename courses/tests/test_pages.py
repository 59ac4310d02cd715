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

    client.force_login(participant.user)
    assert "data-lecture-player" in client.get(lecture.url).content.decode()  # its route now kept (cms.selectors)
    PageViewRestriction.objects.create(page=lecture, restriction_type=PageViewRestriction.PASSWORD, password="x")
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


def _zone(client, name: str) -> None:
    from lms.middleware import SESSION_TIMEZONE_KEY

    session = client.session
    session[SESSION_TIMEZONE_KEY] = name
    session.save()


def test_the_course_page_lists_its_lectures_with_state_deadline_and_progress(
    client, course, participant, django_user_model, settings
):
    import zoneinfo

    from courses.models import LectureProgress
    from courses.services import deadline_extension_grant

    settings.LANGUAGE_CODE = "en"
    now = timezone.now().replace(second=0, microsecond=0)
    watched = lecture_make(course=course, deadline=now + timedelta(days=3))
    done = lecture_make(course=course)
    extended = lecture_make(course=course, deadline=now + timedelta(days=1))
    upcoming = lecture_make(course=course, available_from=now + timedelta(days=2), deadline=now + timedelta(days=9))
    closed = lecture_make(course=course, available_from=now - timedelta(days=9), deadline=now - timedelta(days=2))
    LectureProgress.objects.create(
        user=participant.user, lecture=watched, spans=[[0, 30]], watched_seconds=30, progress=0.25
    )
    LectureProgress.objects.create(
        user=participant.user, lecture=done, spans=[[0, 120]], watched_seconds=120, progress=1, completed_at=now
    )
    later = now + timedelta(days=4, hours=5)
    deadline_extension_grant(
        user=participant.user,
        lecture=extended,
        deadline=later,
        reason="Болел",
        granted_by=django_user_model.objects.create(username="curator"),
    )
    client.force_login(participant.user)
    _zone(client, "Asia/Kamchatka")
    response = client.get(course.url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()

    def item(lecture) -> str:
        start = html.index(f'data-testid="lecture-{lecture.id}"')
        return html[start : html.index("</li>", start)]

    assert "open" in item(watched) and ">25%<" in item(watched) and f'href="{watched.url}"' in item(watched)
    assert "completed" in item(done) and ">100%<" in item(done)
    assert "closed" in item(closed) and "href=" not in item(closed)
    assert "opens on" in item(upcoming) and "href=" not in item(upcoming)
    kamchatka = later.astimezone(zoneinfo.ZoneInfo("Asia/Kamchatka"))
    assert f"deadline {kamchatka.day} " in item(extended) and kamchatka.strftime("%H:%M") in item(extended)


def test_staff_see_the_course_lectures_without_progress_and_other_participants_only_its_description(
    client, season, course, lecture, django_user_model
):
    staff = django_user_model.objects.create(username="editor", is_staff=True)
    client.force_login(staff)
    html = client.get(course.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'data-testid="lecture-{lecture.id}"' in html and "lecture-percent" not in html and "as staff" in html
    client.force_login(participant_make(season=season, level="pro").user)  # another track
    html = client.get(course.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'data-testid="lecture-{lecture.id}"' not in html and course.title in html
    client.logout()
    assert client.get(course.url).status_code == 200


@pytest.mark.parametrize("count", [2, 3])
def test_the_lecture_page_query_count_is_fixed(client, course, participant, django_assert_num_queries, count):
    lectures = [lecture_make(course=course) for _ in range(count)]
    client.force_login(participant.user)
    client.get(lectures[0].url)  # the route, the course and the track's lectures kept (lms.memo.page_cached)
    # (the session from the cache) the lecture page, by the route kept; Wagtail's alias paths and
    # view restrictions; the user; the participant; the participant's progress; the lecture's video.
    # Neither extensions (nobody has one) nor the staff groups (a participant of the course).
    with django_assert_num_queries(7):
        response = client.get(lectures[0].url)
    assert response.status_code == 200 and "data-lecture-player" in response.content.decode()


@pytest.mark.parametrize("count", [2, 3])
def test_the_course_page_query_count_is_fixed(client, course, participant, django_assert_num_queries, count):
    for _ in range(count):
        lecture_make(course=course)
    client.force_login(participant.user)
    client.get(course.url)  # Wagtail's site and page lookups cached
    # (the session from the cache; Wagtail's site and the page's route from the pages' cache:
    # cms.selectors) the course page; Wagtail's alias paths and view restrictions; the user; the
    # participant; the course's lectures with their videos; extensions; progress rows (Redis adds
    # no query); the course's season (the base template's programme settings come from the cache)
    with django_assert_num_queries(9):
        response = client.get(course.url)
    assert response.content.decode().count('data-testid="lecture-percent"') == count
