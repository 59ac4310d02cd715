"""A participant on a phone (390 px wide): the cabinet's panels with the growth chart and the
interview booking, a timed test with its live countdown, the result with answers as text — and
nothing scrolls sideways on any of these pages (issue 11 §3 and §4)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from assessments.models import Answer, Attempt, InterviewPlan, InterviewSlot, QuestionKind
from assessments.tests.factories import QuestionBankFactory, QuestionFactory, QuizFactory
from assessments.tests.test_interviews import _admit, _role
from lms import roles
from tests.factories import TEST_PASSWORD, ParticipantFactory, SeasonFactory, UserFactory
from tests.plugin import axe_violations, login, screenshot

PHONE = {"width": 390, "height": 844}


def _fits(page, name: str) -> None:
    """No horizontal scroll at the phone's width, no serious accessibility violation; a screenshot."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: the page is {width} px wide"
    assert axe_violations(page) == []
    screenshot(page, f"assessments-phone-{name}")


def _diagnostics_taken(season, user) -> None:
    bank = QuestionBankFactory()
    questions = [
        QuestionFactory(bank=bank, competence="Цифровые навыки и государственные информационные системы"),
        QuestionFactory(bank=bank, competence="Право"),
    ]
    for phase, right in (("start", {"Право"}), ("end", {"Право", questions[0].competence})):
        quiz = QuizFactory(
            season=season,
            banks=[bank],
            question_count=2,
            diagnostic_phase=phase,
            required=False,
            attempts_allowed=1,
            title=f"Диагностика ({phase})",
        )
        now = timezone.now()
        attempt = Attempt.objects.create(
            quiz=quiz,
            user=user,
            number=1,
            seed=1,
            question_ids=[q.id for q in questions],
            started_at=now,
            closed_at=now,
            score=0.5,
        )
        for question in questions:
            Answer.objects.create(attempt=attempt, question=question, value=0, correct=question.competence in right)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_timed_test_and_its_result_on_a_phone(page):
    season = SeasonFactory(name="Сезон телефона")
    participant = ParticipantFactory(season=season, application__user__username="phone")
    InterviewPlan.objects.create(season=season, offers_online=True, offers_offline=False)
    expert = _role(UserFactory(username="phone-expert", first_name="Ольга", last_name="Экспертова"), roles.EXPERT)
    starts = timezone.now() + timedelta(days=3)
    InterviewSlot.objects.create(season=season, expert=expert, starts_at=starts, ends_at=starts + timedelta(minutes=30))
    _admit(participant)
    _diagnostics_taken(season, participant.user)
    bank = QuestionBankFactory()
    QuestionFactory(
        bank=bank,
        text="Как называется портал государственных и муниципальных услуг Российской Федерации?",
        options=["Госуслуги", "Почта России", "Росреестр"],
        correct_options=[0],
    )
    QuestionFactory(
        bank=bank,
        kind=QuestionKind.NUMBER,
        text="Сколько федеральных округов в России?",
        options=[],
        correct_options=[],
        number_answer=8,
    )
    quiz = QuizFactory(
        season=season,
        title="Итоговый тест вводного курса",
        banks=[bank],
        question_count=2,
        time_limit_minutes=15,
        attempts_allowed=1,
        key_shown="immediately",
    )

    page.set_viewport_size(PHONE)
    login(page, "phone", TEST_PASSWORD)
    page.goto(f"{page.base_url}/cabinet/")
    assert page.locator("svg.growth-chart").is_visible()
    assert page.locator("[data-testid=interview-booked], form[action$='/cabinet/interview/book/']").count()
    _fits(page, "cabinet")

    page.get_by_role("link", name="Итоговый тест вводного курса").first.click()
    page.wait_for_load_state("networkidle")
    _fits(page, "quiz")
    page.get_by_role("button", name="Начать попытку").click()
    page.wait_for_load_state("networkidle")

    # The countdown runs from the server's deadline, by itself.
    clock = page.locator("[data-countdown-clock]")
    page.wait_for_function("() => document.querySelector('[data-countdown-clock]').textContent.includes(':')")
    first = clock.inner_text()
    assert first.startswith("Осталось времени: 1") and ("14:5" in first or "15:00" in first)
    page.wait_for_function("first => document.querySelector('[data-countdown-clock]').textContent !== first", arg=first)
    timer = page.locator("[role=timer]")
    assert timer.get_attribute("aria-live") == "polite"
    ends_at = Attempt.objects.get(quiz=quiz).ends_at
    assert page.locator("[data-countdown]").get_attribute("data-ends-at") == timezone.localtime(ends_at).isoformat()
    page.check("text=Госуслуги")
    page.wait_for_selector("#autosave-status:has-text('Сохранено')")
    page.get_by_label("Ваш ответ").fill("8")
    _fits(page, "attempt")

    page.get_by_role("button", name="Отправить на проверку").click()
    page.wait_for_load_state("networkidle")
    review = page.locator("[data-testid=attempt-review]").inner_text()
    assert "Ваш ответ: Госуслуги" in review and "Верный ответ: Госуслуги" in review
    assert "Ваш ответ: 8" in review and "8.0000" not in review and "[0]" not in review
    assert "100%" in page.locator("[data-testid=attempt-score]").inner_text()
    _fits(page, "result")

    page.get_by_role("link", name="Вернуться к тесту").first.click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("button", name="Начать попытку").count() == 0
    assert "единственную попытку" in page.locator("[data-testid=start-blocked]").inner_text()
    page.get_by_role("link", name="Личный кабинет").first.click()
    page.wait_for_load_state("networkidle")
    assert "все попытки использованы" in page.locator(f"[data-testid=quiz-state-{quiz.id}]").inner_text()
    _fits(page, "cabinet-after")
