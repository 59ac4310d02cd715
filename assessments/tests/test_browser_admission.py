"""Issue 12 in the browser: staff publish through the confirmation step, change a published
decision (a new revision, the booking cancelled), and the participant reads the change."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from assessments.models import AdmissionPolicy, Interview, InterviewPlan, InterviewSlot
from assessments.services.admission_policy import admission_policy_save
from assessments.tests.factories import QuizFactory, attempt_closed
from lms import roles
from lms.models import Track
from tests.factories import TEST_PASSWORD, ParticipantFactory, SeasonFactory, UserFactory
from tests.plugin import axe_violations, login, screenshot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_publish_then_override_reaches_the_participants_cabinet(page):
    season = SeasonFactory(name="Сезон редакций")
    participant = ParticipantFactory(
        season=season, application__user__username="vera", application__user__last_name="Орлова"
    )
    quiz = QuizFactory(season=season, title="Итоговый тест", pass_mark=0.6)
    attempt_closed(quiz=quiz, user=participant.user, number=1, score=0.9)
    type(quiz).objects.filter(pk=quiz.pk).update(closes_at=timezone.now())  # the track has closed
    admission_policy_save(
        policy=AdmissionPolicy(season=season, track=Track.INTRODUCTORY, rules=[{"module": "tests", "min": 1.0}])
    )
    staff = UserFactory(username="chief", is_staff=True)
    staff.groups.add(Group.objects.get_or_create(name=roles.STAFF)[0])
    expert = UserFactory(username="expert-c", email="expert-c@example.org")
    expert.groups.add(Group.objects.get_or_create(name=roles.EXPERT)[0])
    InterviewPlan.objects.create(season=season, offers_online=True, offers_offline=False, cancel_cutoff_hours=24)
    slot = InterviewSlot.objects.create(
        season=season,
        expert=expert,
        starts_at=timezone.now() + timedelta(days=4),
        ends_at=timezone.now() + timedelta(days=4, minutes=30),
    )

    login(page, "chief", TEST_PASSWORD)
    page.goto(f"{page.base_url}/staff/admission/?season={season.id}")
    page.select_option("#run-track", "introductory")
    page.click("text=Рассчитать допуск")
    page.wait_for_load_state("networkidle")
    assert "Готово" in page.locator("[data-testid=run-status]").inner_text()
    assert page.locator("[data-testid=run-provisional]").count() == 0
    page.click("[data-testid=publish-link]")
    page.wait_for_load_state("networkidle")
    counts = page.locator("[data-testid=publish-counts]").inner_text()
    assert "1" in page.locator("[data-testid=publish-emails]").inner_text() and "Допущен" in counts
    assert axe_violations(page) == []
    screenshot(page, "admission-publish-confirm")
    page.check("input[name=confirm]")
    page.click("[data-testid=publish-confirm]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=run-published]").is_visible()

    # The participant books an interview on the published list…
    Interview.objects.create(participant=participant, slot=slot)
    # …and staff change their decision after publication, confirming it.
    row = page.locator(f"[data-testid=decision-{participant.id}]")
    assert row.locator("select").input_value() == "admitted"  # the form starts at the current decision
    row.locator("select").select_option("not_admitted")
    row.locator("input[name=justification]").fill("Нарушение правил теста, протокол №3")
    row.locator("input[name=confirm]").check()
    row.locator("button").click()
    page.wait_for_load_state("networkidle")
    revisions = page.locator("[data-testid=revisions]").inner_text()
    assert "Нарушение правил теста" in revisions and "собеседование отменено" in revisions
    assert page.locator("[data-testid=revision-2]").is_visible()
    assert axe_violations(page) == []
    screenshot(page, "admission-run-revisions")

    page.context.clear_cookies()
    login(page, "vera", TEST_PASSWORD)
    page.goto(f"{page.base_url}/cabinet/")
    assert "Не допущен" in page.locator("[data-testid=admission-decision]").inner_text()
    changed = page.locator("[data-testid=admission-changed]").inner_text()
    assert "Ваше решение изменено" in changed and "запись на собеседование отменена" in changed
    # No lectures on this track: not applicable, never "0 of 0 — 100%".
    recorded = page.locator("[data-testid=completeness-recorded]").inner_text()
    assert "Не применяется" in recorded and "100%" not in recorded
    assert axe_violations(page) == []
    screenshot(page, "admission-cabinet-changed")
