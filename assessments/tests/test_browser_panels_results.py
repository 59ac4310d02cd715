"""Issue 12 §3 in the browser: staff make up an offline meeting's panel and register the district's
admitted participants in bulk (confirming what is destructive), and publish the interview results,
which the participant then reads in the cabinet."""

from datetime import timedelta

import pytest
from django.utils import timezone

from assessments.models import Interview, InterviewPlan, InterviewStatus, OfflineMeeting
from assessments.tests.test_candidates import _person, interviewed
from assessments.tests.test_interviews import _admit, _role
from lms import roles
from lms.models import Level
from tests.factories import TEST_PASSWORD, ParticipantFactory, SeasonFactory, UserFactory
from tests.plugin import axe_violations, login, screenshot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_make_up_the_panel_and_register_the_district_in_bulk(page):
    season = SeasonFactory(name="Сезон встреч")
    InterviewPlan.objects.create(season=season, offers_online=False, offers_offline=True)
    meeting = OfflineMeeting.objects.create(
        season=season,
        federal_district="central",
        starts_at=timezone.now() + timedelta(days=6),
        place="Москва, Тверская, 1",
        capacity=10,
    )
    people = [
        ParticipantFactory(season=season, federal_district="central", application__user__last_name=name)
        for name in ("Архипова", "Борисов", "Васильева")
    ]
    _admit(*people)
    _role(UserFactory(username="boss", is_staff=True), roles.STAFF)
    experts = [
        _role(UserFactory(username=f"panel-{n}", last_name=name, first_name="Эксперт"), roles.EXPERT)
        for n, name in enumerate(("Громов", "Данилова"))
    ]

    login(page, "boss", TEST_PASSWORD)
    page.goto(f"{page.base_url}/staff/interviews/meetings/{meeting.id}/")
    panel = page.locator("[data-testid=panel-form]")
    for expert in experts:
        panel.locator(f"input[name=expert][value='{expert.id}']").check()
    panel.locator("button[name=panel]").click()
    page.wait_for_load_state("networkidle")
    assert "Комиссия сохранена." in page.content() and meeting.panel.count() == 2

    # Taking an expert off without confirming is refused, and the page says why.
    panel = page.locator("[data-testid=panel-form]")
    panel.locator(f"input[name=expert][value='{experts[1].id}']").uncheck()
    panel.locator("button[name=panel]").click()
    page.wait_for_load_state("networkidle")
    assert "уходят из комиссии" in page.content() and meeting.panel.count() == 2

    # One ticked, then all the rest, confirmed.
    unassigned = page.locator("[data-testid=unassigned]")
    unassigned.locator(f"input[name=participant][value='{people[0].id}']").check()
    unassigned.locator("button[name=assign]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator(f"[data-testid=registered-{people[0].id}]").is_visible()
    unassigned = page.locator("[data-testid=unassigned]")
    unassigned.locator("button[name=assign_all]").click()
    page.wait_for_load_state("networkidle")
    assert Interview.objects.filter(meeting=meeting).count() == 1  # not confirmed: nobody more
    page.locator("[data-testid=confirm-all]").check()
    screenshot(page, "meeting-panel-confirm-all")
    page.locator("[data-testid=unassigned] button[name=assign_all]").click()
    page.wait_for_load_state("networkidle")
    for person in people:
        assert page.locator(f"[data-testid=registered-{person.id}]").is_visible()
    booked = Interview.objects.filter(meeting=meeting, status=InterviewStatus.BOOKED)
    assert sorted(booked.values_list("participant_id", flat=True)) == sorted(p.id for p in people)
    assert axe_violations(page) == []
    screenshot(page, "meeting-panel")

    # The panel's remaining expert gets the meeting's sheets.
    page.context.clear_cookies()
    login(page, experts[0].username, TEST_PASSWORD)
    page.goto(f"{page.base_url}/expert/interviews/")
    assert page.locator(f"a[href='/expert/interviews/{booked.first().id}/']").count() == 1


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_publish_the_results_and_the_participant_reads_theirs(page):
    season = SeasonFactory(name="Сезон итогов")
    experts = [_role(UserFactory(username=f"judge-{n}"), roles.EXPERT) for n in range(2)]
    stays = _person(season, Level.BEGINNER, "Ершова")
    moved = _person(season, Level.BEGINNER, "Жуков")
    _admit(stays, moved)
    interviewed(season, experts, stays, [(4, ""), (4, "")])
    interviewed(season, experts, moved, [(5, Level.YOUNG), (5, Level.YOUNG)])
    _role(UserFactory(username="boss", is_staff=True), roles.STAFF)

    login(page, "boss", TEST_PASSWORD)
    page.goto(f"{page.base_url}/staff/interviews/results/?season={season.id}")
    assert page.locator(f"[data-testid=result-{moved.id}]").is_visible()
    assert axe_violations(page) == []
    screenshot(page, "interview-results")
    page.click("text=Опубликовать итоги…")
    page.wait_for_load_state("networkidle")
    counts = page.locator("[data-testid=publish-counts]").inner_text()
    assert "Рекомендован(а) на стажировки в РОИВ: 1" in counts and "в ФОИВ: 1" in counts
    assert axe_violations(page) == []
    screenshot(page, "interview-results-publish-confirm")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=results-published]").is_visible()

    page.context.clear_cookies()
    login(page, moved.user.username, TEST_PASSWORD)
    page.goto(f"{page.base_url}/cabinet/")
    assert "Рекомендован(а) на собеседования в ФОИВ" in page.locator("[data-testid=interview-result]").inner_text()
    assert "Молодые" in page.locator("[data-testid=interview-level]").inner_text()
    assert axe_violations(page) == []
    screenshot(page, "interview-result-cabinet")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_find_a_booking_and_cancel_it_after_confirming_with_a_reason(page):
    from assessments.models import InterviewSlot

    season = SeasonFactory(name="Сезон собеседований")
    person = ParticipantFactory(season=season, application__user__last_name="Жукова")
    _admit(person)
    expert = _role(UserFactory(username="slot-expert", last_name="Зуев"), roles.EXPERT)
    slot = InterviewSlot.objects.create(
        season=season,
        expert=expert,
        starts_at=timezone.now() + timedelta(days=4),
        ends_at=timezone.now() + timedelta(days=4, minutes=30),
    )
    interview = Interview.objects.create(participant=person, slot=slot)
    _role(UserFactory(username="boss", is_staff=True), roles.STAFF)

    login(page, "boss", TEST_PASSWORD)
    page.goto(f"{page.base_url}/staff/interviews/?season={season.id}")
    page.fill("#bookings-query", person.user.email)
    page.get_by_role("button", name="Найти").click()
    page.wait_for_load_state("networkidle")
    page.locator(f"[data-testid=booking-{interview.id}] a").click()
    page.wait_for_load_state("networkidle")
    assert "Отмена записи" in page.content()
    assert axe_violations(page) == []
    screenshot(page, "staff-cancel-booking")
    page.fill("#cancel-reason", "Эксперт заболел")
    page.get_by_role("button", name="Отменить запись").click()
    page.wait_for_load_state("networkidle")
    assert "Запись отменена" in page.content()
    interview.refresh_from_db()
    assert (interview.status, interview.cancel_reason) == (InterviewStatus.CANCELLED, "Эксперт заболел")
