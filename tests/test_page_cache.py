"""The pages' cache (lms.memo.page_cached): what is the same for everyone of a track is kept across
pages, and every change an editor, a speaker or staff makes shows on the participant's next page.
Outside a page (a run, a task, an API) nothing is ever read from it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from assessments.models import AdmissionPolicy, AdmissionRun, MinistryWave, RunStatus
from assessments.selectors.published import season_outcomes_published
from assessments.tests.factories import QuizFactory
from courses.services import deadline_extension_grant
from courses.tests.factories import course_make, lecture_make
from live.models import LiveSession
from live.services.attendance import session_attendance_derive
from live.services.sessions import session_end, session_start
from live.tests.factories import LiveSessionFactory
from lms.memo import memo_scope, page_cache_forget, page_cached
from tests.factories import ParticipantFactory, SeasonFactory, UserFactory, user_with_role

pytestmark = pytest.mark.django_db


def _counting():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    return calls, compute


def test_outside_a_page_every_read_is_fresh():
    calls, compute = _counting()
    assert [page_cached(subject="t", key=(1,), compute=compute) for _ in range(3)] == [1, 2, 3]


def test_a_page_keeps_the_answer_until_its_subject_is_forgotten():
    calls, compute = _counting()
    for _ in range(3):  # three pages
        with memo_scope():
            assert page_cached(subject="t", key=(1,), compute=compute) == 1
            assert page_cached(subject="t", key=(1,), compute=compute) == 1
    assert len(calls) == 1
    page_cache_forget(subject="t")
    with memo_scope():
        assert page_cached(subject="t", key=(1,), compute=compute) == 2
    with memo_scope():  # another key of the subject is its own entry
        assert page_cached(subject="t", key=(2,), compute=compute) == 3
    with memo_scope():  # another subject is not forgotten with this one
        assert page_cached(subject="u", key=(1,), compute=compute) == 4
    page_cache_forget(subject="t")
    with memo_scope():
        assert page_cached(subject="u", key=(1,), compute=compute) == 4


def test_an_answer_read_while_its_subject_changed_is_not_served_again():
    """A page reads while an editor's change commits: what it stored belongs to the generation
    before the change, and the next page reads afresh."""
    calls = []

    def compute():
        calls.append(1)
        if len(calls) == 1:
            page_cache_forget(subject="t")  # the change commits while the first page reads
        return len(calls)

    with memo_scope():
        assert page_cached(subject="t", key=(1,), compute=compute) == 1
    with memo_scope():
        assert page_cached(subject="t", key=(1,), compute=compute) == 2
    with memo_scope():
        assert page_cached(subject="t", key=(1,), compute=compute) == 2


@pytest.fixture
def cabinet(client):
    season = SeasonFactory()
    participant = ParticipantFactory(season=season)
    client.force_login(participant.user)

    def page() -> str:
        answer = client.get("/cabinet/")
        assert answer.status_code == 200
        return answer.content.decode()

    return season, participant, page


def test_the_cabinet_shows_a_lecture_published_or_unpublished_on_the_next_page(cabinet):
    season, _participant, page = cabinet
    course = course_make(season=season)
    first = lecture_make(course=course)
    assert first.title in page()
    second = lecture_make(course=course)
    assert second.title in page()
    first.unpublish()
    html = page()
    assert first.title not in html and second.title in html
    second.title = "Вторая лекция, новое название"
    second.save_revision().publish()
    assert "новое название" in page()


def test_the_cabinet_shows_an_extension_granted_on_the_next_page(cabinet):
    season, participant, page = cabinet
    lecture = lecture_make(course=course_make(season=season))
    later = lecture.deadline + timedelta(days=9)
    before = page()
    deadline_extension_grant(
        user=participant.user, lecture=lecture, deadline=later, reason="Болел", granted_by=UserFactory()
    )
    after = page()
    assert after != before
    assert str(timezone.localtime(later).day) in after


def test_the_cabinet_shows_a_new_test_and_a_changed_policy_on_the_next_page(cabinet):
    season, _participant, page = cabinet
    page()
    QuizFactory(season=season, title="Новый тест по праву")
    assert "Новый тест по праву" in page()
    policy = AdmissionPolicy.objects.filter(season=season, track="introductory").first() or AdmissionPolicy(
        season=season, track="introductory"
    )
    policy.rules = [{"module": "tests", "min": 0.37}]
    policy.save()
    assert "37%" in page()


def test_the_cabinet_shows_a_session_ended_by_its_speaker_on_the_next_page(cabinet):
    season, _participant, page = cabinet
    now = timezone.now()
    session = LiveSessionFactory(
        season=season, title="Эфир о бюджете", starts_at=now - timedelta(minutes=10), ends_at=now + timedelta(hours=1)
    )
    staff = user_with_role("staff")
    session_start(session=session, by=staff)
    assert "Прошедшие" not in page() and "Past" not in page()
    session_end(session=LiveSession.objects.get(pk=session.pk), by=staff)
    html = page()
    assert "Эфир о бюджете" in html.split("Past" if "Past" in html else "Прошедшие", 1)[1]


def test_the_attendance_derivation_which_updates_without_saving_forgets_the_sessions(cabinet):
    season, _participant, _page = cabinet
    session = LiveSessionFactory(season=season, starts_at=timezone.now() - timedelta(hours=3))
    with memo_scope():
        from live.selectors.sessions import session_list_for_track

        before = session_list_for_track(season_id=season.pk, track=session.track)
    LiveSession.objects.filter(pk=session.pk).update(title="Изменено без save()")
    session_attendance_derive(session=LiveSession.objects.get(pk=session.pk))
    with memo_scope():
        after = session_list_for_track(season_id=season.pk, track=session.track)
    assert [s.title for s in before] != [s.title for s in after] == ["Изменено без save()"]


def test_a_published_run_or_wave_opens_its_panel_on_the_next_page(cabinet):
    season, participant, _page = cabinet
    staff = user_with_role("staff")
    with memo_scope():
        assert season_outcomes_published(season_id=season.pk) == (frozenset(), False, False)
    policy = AdmissionPolicy.objects.create(season=season, track=participant.track)
    AdmissionRun.objects.create(
        season=season,
        track=participant.track,
        policy=policy,
        policy_version=1,
        policy_content=policy.content(),
        started_by=staff,
        status=RunStatus.DONE,
        published_at=timezone.now(),
    )
    MinistryWave.objects.create(season=season, applied_by=staff, applied_at=timezone.now())
    with memo_scope():
        assert season_outcomes_published(season_id=season.pk) == (frozenset({participant.track}), False, True)


@pytest.fixture
def lecture_pages(cabinet, client):
    """A participant's lecture, its route kept by a first request (cms.selectors.page_route_for_request)."""
    season, _participant, _page = cabinet
    course = course_make(season=season)
    lecture = lecture_make(course=course)

    def status(path: str) -> int:
        return client.get(path).status_code

    assert status(lecture.url) == 200
    return course, lecture, status


def test_a_lecture_renamed_answers_at_its_new_address_only_on_the_next_request(lecture_pages):
    _course, lecture, status = lecture_pages
    before = lecture.url
    lecture.slug = "renamed-lecture"
    lecture.save_revision().publish()
    lecture.refresh_from_db()
    assert before != lecture.url
    assert status(before) == 404
    assert status(lecture.url) == 200


def test_a_lecture_moved_or_unpublished_is_not_served_at_its_old_address(lecture_pages, client):
    course, lecture, status = lecture_pages
    other = course_make(season=course.season)
    before = lecture.url
    lecture.move(other, pos="last-child")
    lecture.refresh_from_db()
    # Not served there: Wagtail's redirects (which answer only what no page does) send it on.
    moved = client.get(before)
    assert (moved.status_code, moved["Location"]) == (301, lecture.url)
    assert status(lecture.url) == 200
    lecture.unpublish()
    assert status(lecture.url) == 404


def test_only_an_address_that_leads_to_a_page_is_kept(lecture_pages, client):
    """A visitor chooses the path: a path that leads nowhere is routed afresh each time (Wagtail
    reads each page along it), so no one fills the cache with them; a page's path is kept
    (the page is read once, by its id), until a site changes."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from wagtail.models import Site

    _course, lecture, _status = lecture_pages

    def pages_read(path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get(path)
        # Pages as such, not as the root of a site (Wagtail reads the sites' roots after a site changes).
        return sum(
            '"wagtailcore_page"."numchild"' in query["sql"] and 'FROM "wagtailcore_site"' not in query["sql"]
            for query in captured
        )

    missing = lecture.url + "no-such-page/"
    assert pages_read(missing) == pages_read(missing) > 1
    assert pages_read(lecture.url) == 1
    Site.objects.get(is_default_site=True).save()
    assert pages_read(lecture.url) > 1
    assert pages_read(lecture.url) == 1
