"""The talent pool in the browser (issue 15 §5): staff filter the pool by region and award, see a
person's two seasons, then open the candidates page of the current season, see that candidate's
earlier season marked and follow the mark to the pool filtered to them. Axe-clean."""

import pytest
from django.contrib.auth.models import Group

from assessments.models import Award
from assessments.tests.test_candidates import interviewed
from assessments.tests.test_talent_pool import world  # noqa: F401 (the fixture)
from lms import roles
from tests.factories import TEST_PASSWORD, UserFactory
from tests.plugin import axe_violations, login, screenshot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_find_a_person_of_two_seasons_and_recognise_them_among_the_candidates(page, world):  # noqa: F811
    w = world
    # Иванов, a 2025 finalist, came back in 2026: the best-project award after the internship, and
    # now a candidate interviewed there too.
    Award.objects.create(participant=w["Иванов-2"], season=w["s2"], kind="best_project", awarded_by=w["staff"])
    expert = UserFactory(username="pool-expert")
    expert.groups.add(Group.objects.get_or_create(name=roles.EXPERT)[0])
    interviewed(w["s2"], [expert], w["Иванов-2"], [(4, "")])

    login(page, w["staff"].username, TEST_PASSWORD)
    page.goto(f"{page.base_url}/staff/talent-pool/")
    page.select_option("#pool-region", "77")
    page.select_option("#pool-award", "best_project")
    page.click("button:has-text('Показать')")
    page.wait_for_load_state("networkidle")
    rows = page.locator("[data-testid=talent-pool] tbody tr")
    assert rows.count() == 1 and "Иванов" in rows.first.inner_text() and "Сезон 2026" in rows.first.inner_text()
    assert page.locator("[data-testid=pool-seasons]").inner_text() == "Сезон 2025 (финалист), Сезон 2026"
    assert "Петров" not in page.content()
    assert axe_violations(page) == []
    screenshot(page, "talent-pool-filtered")

    page.goto(f"{page.base_url}/staff/candidates/?season={w['s2'].pk}")
    mark = page.locator(f"[data-testid=candidate-{w['Иванов-2'].pk}] [data-testid=earlier-seasons]")
    assert mark.inner_text() == "Прошлый сезон: Сезон 2025 (финалист)"
    assert axe_violations(page) == []
    screenshot(page, "candidates-earlier-season")

    mark.locator("a").click()
    page.wait_for_load_state("networkidle")
    assert "Показаны только сезоны: Иванов" in page.locator("[data-testid=pool-person]").inner_text()
    seasons = page.locator("[data-testid=talent-pool] tbody tr td:nth-child(2)").all_inner_texts()
    assert seasons == ["Сезон 2025", "Сезон 2026"]
    assert axe_violations(page) == []
    screenshot(page, "talent-pool-person")
