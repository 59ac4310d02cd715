"""Issue 15 §2 in the browser: a ministry's representative scores a candidate's interview and
decides; staff apply the decision; only then does the participant read it in the cabinet. Every
page axe-clean."""

from datetime import timedelta

import pytest
from django.utils import timezone

from assessments.models import MinistryInterview, MinistrySlot
from assessments.tests.test_ministry_interviews import candidate
from lms import roles
from tests.factories import (
    TEST_PASSWORD,
    HostBodyFactory,
    InternshipOfferFactory,
    SeasonFactory,
    host_person,
    user_with_role,
)
from tests.plugin import axe_violations, login, screenshot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_ministry_scores_and_decides_staff_apply_and_the_participant_reads_it(page):
    season = SeasonFactory(name="Сезон министерств")
    minfin = HostBodyFactory(name="Минфин России")
    offer = InternshipOfferFactory(season=season, host=minfin, title="Департамент бюджета")
    participant = candidate(season, offer, last_name="Финалистова")
    participant.user.username = "finalist"
    participant.user.save()
    officer = host_person(minfin, username="minfin-hr")
    user_with_role(roles.STAFF, username="applier")
    begun = timezone.now() - timedelta(minutes=5)
    slot = MinistrySlot.objects.create(
        season=season,
        host=minfin,
        starts_at=begun,
        ends_at=begun + timedelta(minutes=30),
        room="каб. 101",
        created_by=officer,
    )
    MinistryInterview.objects.create(participant=participant, host=minfin, slot=slot)

    login(page, "minfin-hr", TEST_PASSWORD)
    page.goto(f"{page.base_url}/host/ministry/")
    page.wait_for_load_state("networkidle")
    assert "Финалистова" in page.locator("[data-testid=ministry-candidates]").inner_text()
    assert axe_violations(page) == []
    page.click("text=Финалистова")
    page.wait_for_load_state("networkidle")
    for key in ("motivation", "communication", "knowledge", "initiative"):
        page.select_option(f"#rubric-{key}", "4")
    page.click("text=Сохранить мои оценки")
    page.wait_for_load_state("networkidle")
    page.check("input[name=verdict][value=finalist]")
    page.fill("#decision-comment", "Сильная мотивация")
    page.click("text=Сохранить решение")
    page.wait_for_load_state("networkidle")
    decision = page.locator("[data-testid=ministry-decision]").inner_text()
    assert "Финалист" in decision and "Ожидает" in decision
    assert axe_violations(page) == []
    screenshot(page, "ministry-candidate")

    page.context.clear_cookies()
    login(page, "finalist", TEST_PASSWORD)
    page.goto(f"{page.base_url}/cabinet/")
    assert "Сильная мотивация" not in page.locator("[data-testid=ministry-panel]").inner_text()

    page.context.clear_cookies()
    login(page, "applier", TEST_PASSWORD)
    page.goto(f"{page.base_url}/staff/ministry-decisions/?season={season.id}")
    assert "Финалистова" in page.locator("[data-testid=ministry-wave]").inner_text()
    assert axe_violations(page) == []
    screenshot(page, "ministry-decisions")
    page.click("text=Применить отмеченные решения")
    page.wait_for_load_state("networkidle")
    assert "В этом сезоне нет ожидающих решений." in page.content()

    page.context.clear_cookies()
    login(page, "finalist", TEST_PASSWORD)
    page.goto(f"{page.base_url}/cabinet/")
    panel = page.locator("[data-testid=ministry-decisions]").inner_text()
    assert "Минфин России" in panel and "Финалист" in panel and "Сильная мотивация" in panel
    assert axe_violations(page) == []
    screenshot(page, "ministry-cabinet")
