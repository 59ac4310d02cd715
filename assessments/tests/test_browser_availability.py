from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from assessments.models import InterviewSlot
from lms import roles
from tests.factories import TEST_PASSWORD, SeasonFactory, UserFactory
from tests.plugin import axe_violations, login, screenshot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_expert_publishes_a_slot_and_a_series_from_the_workspace(page):
    today = timezone.localdate()
    season = SeasonFactory(
        name="Сезон собеседований",
        interviews_starts_on=today - timedelta(days=1),
        interviews_ends_on=today + timedelta(days=14),
    )
    expert = UserFactory(username="olga-expert", first_name="Ольга", last_name="Экспертова")
    expert.groups.add(Group.objects.get_or_create(name=roles.EXPERT)[0])
    day = (today + timedelta(days=3)).isoformat()

    login(page, "olga-expert", TEST_PASSWORD)
    page.get_by_role("link", name="Ваше расписание собеседований").click()
    page.wait_for_load_state("networkidle")
    assert season.name in page.locator("h2#period-heading").inner_text()
    assert axe_violations(page) == []

    page.fill("#slot-day", day)
    page.fill("#slot-starts", "09:00")
    page.select_option("#slot-duration", "45")
    page.fill("#slot-room", "Ауд. 214")
    page.click("text=Опубликовать слот")
    page.wait_for_load_state("networkidle")
    assert "Опубликовано слотов: 1" in page.locator(".messages").inner_text()

    page.fill("#series-day", day)
    page.fill("#series-from", "10:00")
    page.fill("#series-until", "12:00")
    page.select_option("#series-duration", "30")
    page.fill("#series-link", "https://meet.example.org/olga")
    page.click("text=Опубликовать серию")
    page.wait_for_load_state("networkidle")
    assert "Опубликовано слотов: 4" in page.locator(".messages").inner_text()
    rows = page.locator("[data-testid=slots] tbody tr")
    assert rows.count() == 5
    assert "09:00–09:45" in rows.nth(0).inner_text() and "Ауд. 214" in rows.nth(0).inner_text()
    assert "11:30–12:00" in rows.nth(4).inner_text()

    # A slot overlapping the series is refused with the reason, the input kept.
    page.fill("#slot-day", day)
    page.fill("#slot-starts", "10:15")
    page.fill("#slot-room", "Ауд. 214")
    page.click("text=Опубликовать слот")
    page.wait_for_load_state("networkidle")
    assert "пересекается с вашим слотом" in page.locator(".messages").inner_text()
    assert page.locator("#slot-starts").input_value() == "10:15"
    assert axe_violations(page) == []

    page.get_by_role("button", name="Удалить слот").first.click()
    page.wait_for_load_state("networkidle")
    assert rows.count() == 4
    assert InterviewSlot.objects.filter(expert=expert, published=True).count() == 4
    assert axe_violations(page) == []
    screenshot(page, "assessments-expert-availability")
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "assessments-expert-availability-narrow")
