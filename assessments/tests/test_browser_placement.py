"""Issue 15 §3 in the browser: staff run the placement, read the reasons and publish; the
participant reads their placement and why in the cabinet. Both pages axe-clean."""

import pytest
from django.contrib.auth.models import Group

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
)
from tests.plugin import axe_violations, login, screenshot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_publish_a_placement_and_the_participant_reads_why(page):
    season = SeasonFactory(name="Сезон распределения")
    staff = UserFactory(username="placer", is_staff=True)
    staff.groups.add(Group.objects.get_or_create(name=roles.STAFF)[0])
    expert = UserFactory(username="expert-p")
    expert.groups.add(Group.objects.get_or_create(name=roles.EXPERT)[0])
    roiv = HostBodyFactory(name="Правительство Москвы", kind="roiv", region_code="77")
    beginners = {"takes_beginner": True, "takes_young": False, "takes_pro": False}
    first = InternshipOfferFactory(season=season, host=roiv, title="Департамент финансов", seats=1, **beginners)
    second = InternshipOfferFactory(season=season, host=roiv, title="Департамент культуры", seats=1, **beginners)
    best = ParticipantFactory(season=season, level=Level.BEGINNER, application__last_name="Лучшая")
    mine = ParticipantFactory(
        season=season,
        level=Level.BEGINNER,
        application__user__username="runner-up",
        application__last_name="Вторая",
    )
    for participant, score in ((best, 5), (mine, 4)):
        interviewed(participant, expert, score)
        rank(participant, first, second)

    login(page, "placer", TEST_PASSWORD)
    page.goto(f"{page.base_url}/staff/placement/?season={season.id}")
    page.click("text=Запустить распределение")
    page.wait_for_load_state("networkidle")
    table = page.locator("[data-testid=placement-table]").inner_text()
    assert "Его места заняли кандидаты с более высоким приоритетом: отсечение 1,00, ваш 0,80." in table
    assert axe_violations(page) == []
    screenshot(page, "placement-run")
    page.check("input[name=confirm]")
    page.click("text=Опубликовать")
    page.wait_for_load_state("networkidle")
    assert "нет: участники ничего не видят" not in page.content()

    page.context.clear_cookies()
    login(page, "runner-up", TEST_PASSWORD)
    page.goto(f"{page.base_url}/cabinet/")
    panel = page.locator("[data-testid=placement-panel]").inner_text()
    assert "Правительство Москвы: Департамент культуры" in panel and "выбор № 2" in panel
    assert "Департамент финансов" in panel and "отсечение 1,00" in panel
    assert axe_violations(page) == []
    screenshot(page, "placement-cabinet")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_participant_reads_their_placement_and_the_host_confirms_it(page):
    from assessments.services.placement import placement_run_publish, placement_run_start
    from tests.factories import host_person

    season = SeasonFactory(name="Сезон подтверждений")
    staff = UserFactory(username="placer-2", is_staff=True)
    staff.groups.add(Group.objects.get_or_create(name=roles.STAFF)[0])
    expert = UserFactory(username="expert-q")
    expert.groups.add(Group.objects.get_or_create(name=roles.EXPERT)[0])
    roiv = HostBodyFactory(name="Правительство Москвы", kind="roiv", region_code="77")
    beginners = {"takes_beginner": True, "takes_young": False, "takes_pro": False}
    first = InternshipOfferFactory(season=season, host=roiv, title="Департамент финансов", seats=1, **beginners)
    second = InternshipOfferFactory(season=season, host=roiv, title="Департамент культуры", seats=1, **beginners)
    best = ParticipantFactory(season=season, level=Level.BEGINNER, application__last_name="Лучшая")
    mine = ParticipantFactory(
        season=season,
        level=Level.BEGINNER,
        application__user__username="placed-one",
        application__last_name="Вторая",
    )
    for participant, score in ((best, 5), (mine, 4)):
        interviewed(participant, expert, score)
        rank(participant, first, second)
    placement_run_publish(run=placement_run_start(season=season, user=staff), user=staff)
    host = host_person(roiv, username="host-rep")
    host.set_password(TEST_PASSWORD)
    host.save()

    login(page, "placed-one", TEST_PASSWORD)
    page.goto(f"{page.base_url}/cabinet/")
    panel = page.locator("[data-testid=placement-panel]")
    assert "Правительство Москвы: Департамент культуры" in panel.inner_text()
    assert "отсечение 1,00" in panel.inner_text()
    assert "Ожидает подтверждения принимающего органа" in panel.inner_text()
    page.click("text=Отказаться от распределения")  # opens the confirmation, declines nothing
    assert page.locator("input[name=confirm]").is_visible()
    assert axe_violations(page) == []

    page.context.clear_cookies()
    login(page, "host-rep", TEST_PASSWORD)
    page.goto(f"{page.base_url}/host/placement/")
    table = page.locator("[data-testid=host-placements]")
    assert "Вторая" in table.inner_text() and "Лучшая" in table.inner_text()
    assert axe_violations(page) == []
    page.click(f"button:has-text('Подтвердить: {mine.application.full_name}')")
    page.wait_for_load_state("networkidle")
    state = page.locator(f"[data-testid=state-{mine.pk}]").inner_text()
    assert state == "Подтверждено принимающим органом"
    assert "Ваше решение записано." in page.content()
    assert axe_violations(page) == []
    screenshot(page, "placement-host")

    page.context.clear_cookies()
    login(page, "placed-one", TEST_PASSWORD)
    page.goto(f"{page.base_url}/cabinet/")
    assert "Подтверждено принимающим органом" in page.locator("[data-testid=placement-state]").inner_text()
    screenshot(page, "placement-cabinet-confirmed")
