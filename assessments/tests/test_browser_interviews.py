from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from assessments.models import Interview, InterviewSheet, InterviewSlot
from lms import roles
from lms.models import Level
from tests.factories import TEST_PASSWORD, ParticipantFactory, SeasonFactory, UserFactory
from tests.plugin import axe_violations, login, screenshot


def _role(user, role):
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def _interview(season, expert, participant, *, hours: int) -> Interview:
    starts = timezone.now() + timedelta(hours=hours)
    slot = InterviewSlot.objects.create(
        season=season, expert=expert, starts_at=starts, ends_at=starts + timedelta(minutes=30)
    )
    return Interview.objects.create(participant=participant, slot=slot)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_expert_sees_a_running_clock_of_the_self_presentation_and_its_overrun(page):
    season = SeasonFactory(name="Сезон собеседований")
    expert = _role(UserFactory(username="clock-expert", first_name="Ольга"), roles.EXPERT)
    participant = ParticipantFactory(season=season, application__user__last_name="Самопрезентова")
    interview = _interview(season, expert, participant, hours=1)

    login(page, "clock-expert", TEST_PASSWORD)
    page.get_by_role("link", name="Листы оценки собеседований").click()
    page.wait_for_load_state("networkidle")
    assert "Самопрезентова" in page.locator("main").inner_text()
    assert axe_violations(page) == []
    screenshot(page, "assessments-expert-interviews")

    page.get_by_role("link", name="Самопрезентова Иван").click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="Запустить таймер").click()
    page.wait_for_load_state("networkidle")
    clock = page.locator("[data-testid=presentation-clock]")
    first = clock.inner_text()
    assert first.startswith("Прошло 0:0") and ("осталось 4:5" in first or "осталось 5:00" in first)
    # The clock advances by itself, without a reload.
    page.wait_for_function(
        "first => document.querySelector('[data-testid=presentation-clock]').textContent !== first", arg=first
    )
    assert clock.get_attribute("role") == "timer"
    assert page.locator("[data-clock-announce]").get_attribute("aria-live") == "polite"
    assert axe_violations(page) == []

    # Five minutes later (moved on the server, which owns the start time): the overrun cue.
    InterviewSheet.objects.filter(interview=interview).update(
        presentation_started_at=timezone.now() - timedelta(minutes=4, seconds=58)
    )
    page.reload()
    assert "осталось 0:0" in clock.inner_text()
    page.wait_for_selector(".presentation-clock.overrun", timeout=6_000)
    page.wait_for_function(
        "() => document.querySelector('[data-clock-announce]').textContent.startsWith('Время вышло')"
    )
    assert clock.inner_text().startswith("Превышение на 0:0")
    assert axe_violations(page) == []
    screenshot(page, "assessments-expert-sheet-overrun")

    page.get_by_role("button", name="Остановить таймер").click()
    page.wait_for_load_state("networkidle")
    sheet = InterviewSheet.objects.get(interview=interview)
    assert sheet.presentation_seconds >= 300 and sheet.overrun_seconds >= 0
    assert page.locator("[data-testid=presentation-clock]").count() == 0
    assert " с" in page.locator("[data-testid=presentation]").inner_text()
    assert axe_violations(page) == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_see_candidates_per_direction_and_download_them(page):
    season = SeasonFactory(name="Сезон кандидатов")
    experts = [_role(UserFactory(username=f"cand-br-expert-{n}"), roles.EXPERT) for n in range(2)]
    staff = _role(UserFactory(username="cand-boss"), roles.STAFF)
    people = {
        "stays": ParticipantFactory(season=season, level=Level.BEGINNER, application__user__last_name="Региональная"),
        "moved": ParticipantFactory(season=season, level=Level.BEGINNER, application__user__last_name="Повышенный"),
        "pro": ParticipantFactory(season=season, level=Level.PRO, application__user__last_name="Федеральная"),
    }
    sheets = {
        "stays": [(3, ""), (4, "")],
        "moved": [(5, Level.YOUNG), (4, Level.YOUNG)],
        "pro": [(4, ""), (4, "")],
    }
    for hours, (key, marks) in enumerate(sheets.items(), start=1):
        interview = _interview(season, experts[0], people[key], hours=hours)
        for expert, (score, level) in zip(experts, marks, strict=True):
            InterviewSheet.objects.create(
                interview=interview,
                expert=expert,
                rubric=dict.fromkeys(("motivation", "communication", "knowledge", "initiative"), score),
                recommended_level=level,
                submitted_at=timezone.now(),
            )

    login(page, staff.username, TEST_PASSWORD)
    page.get_by_role("link", name="Кандидаты по направлениям").click()
    page.wait_for_load_state("networkidle")
    roiv, foiv = page.locator("[data-testid=direction-roiv]"), page.locator("[data-testid=direction-foiv]")
    assert "Региональная" in roiv.inner_text() and "Повышенный" not in roiv.inner_text()
    moved = foiv.locator(f"[data-testid=candidate-{people['moved'].id}]")
    assert "Начинающие → Молодые" in moved.inner_text() and "90%" in moved.inner_text()
    assert "перенесён из РОИВ по рекомендации экспертов" in moved.inner_text()
    # Best average first.
    assert foiv.locator("tbody tr").first.get_attribute("data-testid") == f"candidate-{people['moved'].id}"
    assert "ничья оставляет текущий" in page.locator("[data-testid=direction-rule]").inner_text()
    assert axe_violations(page) == []
    screenshot(page, "assessments-candidates")

    with page.expect_download() as download:
        foiv.get_by_role("link", name="Выгрузить CSV").click()
    content = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert content.splitlines()[0].startswith("ID участника,Участник,Федеральный округ,Уровень")
    assert "Повышенный" in content and "Федеральная" in content and "Региональная" not in content

    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert axe_violations(page) == []
    screenshot(page, "assessments-candidates-narrow")
