"""Issue 15 §4 in the browser: the host's person opens their intern, confirms a week's attendance
in the weeks' table, gives the final feedback by the rubric's form, and staff read the internship
as finished in their list. The pages axe-clean."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from assessments.models import Internship
from assessments.tests.test_placement_runs import interviewed, rank
from lms import roles
from lms.models import Level
from tests.factories import (
    TEST_PASSWORD,
    HostBodyFactory,
    InternshipOfferFactory,
    ParticipantFactory,
    SeasonFactory,
    UserFactory,
    host_person,
)
from tests.plugin import axe_violations, login, screenshot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_host_gives_the_feedback_and_staff_see_it_finished(page):
    from assessments.services.internships import internships_create_confirmed
    from assessments.services.placement import placement_host_decide, placement_run_publish, placement_run_start

    season = SeasonFactory(name="Сезон стажировок")
    staff = UserFactory(username="intern-staff", is_staff=True)
    staff.groups.add(Group.objects.get_or_create(name=roles.STAFF)[0])
    expert = UserFactory(username="expert-i")
    expert.groups.add(Group.objects.get_or_create(name=roles.EXPERT)[0])
    roiv = HostBodyFactory(name="Правительство Москвы", kind="roiv", region_code="77")
    offer = InternshipOfferFactory(
        season=season, host=roiv, title="Департамент финансов", seats=1, takes_beginner=True, takes_pro=False
    )
    intern = ParticipantFactory(season=season, level=Level.BEGINNER, application__last_name="Стажёрова")
    interviewed(intern, expert, 5)
    rank(intern, offer)
    run = placement_run_start(season=season, user=staff)
    placement_run_publish(run=run, user=staff)
    host = host_person(roiv, username="host-intern")
    host.set_password(TEST_PASSWORD)
    host.save()
    placement_host_decide(run=run, participant_id=intern.pk, confirm=True, user=host)
    internships_create_confirmed(season=season, user=staff)
    ended = timezone.localdate() - timedelta(days=1)
    Internship.objects.update(starts_on=ended - timedelta(days=20), ends_on=ended)
    internship = Internship.objects.get()

    login(page, "host-intern", TEST_PASSWORD)
    page.goto(f"{page.base_url}/host/internships/")
    assert "Стажёрова" in page.locator("[data-testid=host-internships]").inner_text()
    page.click("text=Стажёрова")
    page.wait_for_load_state("networkidle")
    # The weeks' table: every week of the (ended) internship has its form; confirm the first.
    weeks = page.locator("[data-testid=internship-weeks] tbody tr")
    assert weeks.count() >= 3
    weeks.first.locator("input[name=status][value=present]").check()
    assert axe_violations(page) == []
    screenshot(page, "internship-host-weeks")
    weeks.first.locator("button[name=action][value=week]").click()
    page.wait_for_load_state("networkidle")
    weeks = page.locator("[data-testid=internship-weeks] tbody tr")
    assert "Присутствовал" in weeks.first.inner_text() and weeks.first.locator("form").count() == 0
    attendance = page.locator("[data-testid=internship-attendance]").inner_text()
    assert f"1 из {weeks.count()}" in attendance
    for key in ("motivation", "communication", "knowledge", "initiative"):
        page.check(f"input[name=score-{key}][value='4']")
    page.fill("#feedback-comment", "Аккуратная работа с отчётами")
    assert axe_violations(page) == []
    screenshot(page, "internship-host-form")
    page.click("[data-testid=feedback-form] >> text=Дать отзыв")
    page.wait_for_load_state("networkidle")
    assert "Аккуратная работа с отчётами" in page.content()
    assert page.locator("[data-testid=internship-state]").inner_text() == "Завершена"
    assert axe_violations(page) == []
    screenshot(page, "internship-host-done")

    page.context.clear_cookies()
    login(page, "intern-staff", TEST_PASSWORD)
    page.goto(f"{page.base_url}/staff/internships/?season={season.id}")
    assert page.locator("[data-testid=count-finished]").inner_text().endswith(": 1")
    assert "Стажёрова" in page.locator("[data-testid=staff-internships]").inner_text()
    assert axe_violations(page) == []
    screenshot(page, "internships-staff")
    page.click("text=Стажёрова")
    page.wait_for_load_state("networkidle")
    assert str(internship.pk) in page.url
