import pytest
from django.contrib.auth.models import Group

from assessments.tests.factories import QuizFactory
from lms import roles
from tests.factories import TEST_PASSWORD, ParticipantFactory, SeasonFactory, UserFactory
from tests.plugin import axe_violations, login, screenshot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_participant_sees_what_is_missing_staff_decide_and_the_participant_sees_the_decision(page):
    season = SeasonFactory(name="Сезон браузерного теста")
    participant = ParticipantFactory(
        season=season, application__user__username="anna", application__user__last_name="Смирнова"
    )
    QuizFactory(season=season, title="Итоговый тест")
    staff = UserFactory(username="boss", is_staff=True)
    staff.groups.add(Group.objects.get_or_create(name=roles.STAFF)[0])

    login(page, "anna", TEST_PASSWORD)
    page.goto(f"{page.base_url}/cabinet/")
    tests_item = page.locator("[data-testid=completeness-tests]")
    assert "Не пройден: Итоговый тест" in tests_item.inner_text()
    assert "0% из 100% нужных" in tests_item.inner_text()
    assert "не опубликован" in page.locator("#panel-admission").locator("..").inner_text()
    assert axe_violations(page) == []
    screenshot(page, "assessments-cabinet-missing")

    page.context.clear_cookies()
    login(page, "boss", TEST_PASSWORD)
    page.goto(f"{page.base_url}/staff/admission/")
    assert axe_violations(page) == []
    page.select_option("#run-season", str(season.id))
    page.select_option("#run-track", "introductory")
    page.click("text=Рассчитать допуск")
    page.wait_for_load_state("networkidle")
    assert "Готово" in page.locator("[data-testid=run-status]").inner_text()
    row = page.locator(f"[data-testid=decision-{participant.id}]")
    assert "Не допущен" in row.inner_text()
    row.locator("select").select_option("admitted")
    row.locator("input[name=justification]").fill("Сдал тест очно, ведомость №7")
    row.locator("button").click()
    page.wait_for_load_state("networkidle")
    assert "Сдал тест очно" in page.locator(f"[data-testid=decision-{participant.id}]").inner_text()
    page.click("text=Опубликовать решения")
    page.wait_for_load_state("networkidle")
    # The confirmation step: the counts, the box, and a reason while the track is still open.
    assert page.locator("[data-testid=publish-counts]").is_visible()
    if page.locator("#publish-reason").count():
        page.fill("#publish-reason", "Решение нужно до собеседований")
    page.check("input[name=confirm]")
    page.click("[data-testid=publish-confirm]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=run-published]").is_visible()
    assert axe_violations(page) == []
    screenshot(page, "assessments-admission-run")

    page.context.clear_cookies()
    login(page, "anna", TEST_PASSWORD)
    page.goto(f"{page.base_url}/cabinet/")
    decision = page.locator("[data-testid=admission-decision]").inner_text()
    assert "Допущен к собеседованию" in decision
    assert "Сдал тест очно" in page.content()
    assert axe_violations(page) == []
    screenshot(page, "assessments-cabinet-decision")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_answers_are_saved_as_they_go(page):
    from assessments.models import Answer
    from assessments.tests.factories import QuestionBankFactory, QuestionFactory

    participant = ParticipantFactory(application__user__username="oleg")
    bank = QuestionBankFactory()
    QuestionFactory(bank=bank, text="Столица?", options=["Москва", "Казань"], correct_options=[0])
    quiz = QuizFactory(season=participant.season, title="Короткий тест", banks=[bank], question_count=1)
    login(page, "oleg", TEST_PASSWORD)
    page.goto(f"{page.base_url}/cabinet/tests/{quiz.id}/")
    page.click("text=Начать попытку")
    page.wait_for_load_state("networkidle")
    page.check("text=Казань")
    page.wait_for_selector("#autosave-status:has-text('Сохранено')")
    assert Answer.objects.get().value == 1
    assert axe_violations(page) == []
    screenshot(page, "assessments-attempt")
