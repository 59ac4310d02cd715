"""The expert's sheet: what the candidate wrote and has done beside the rubric, the season's rubric
with what each score means, the timer buttons keeping the entries, no submission before the start."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Interview, InterviewSheet, Rubric, RubricCriterion
from assessments.tests.test_interviews import _client, _started, world  # noqa: F401 (the fixture)
from lms import roles
from lms.services import roles_sync
from tests.factories import UserFactory

RUBRIC4 = {"motivation": 4, "communication": 4, "knowledge": 4, "initiative": 4}


@pytest.mark.django_db
def test_a_sheet_cannot_be_submitted_before_the_interview_starts(world):  # noqa: F811
    _season, expert, slot, first, _second = world
    interview = Interview.objects.create(participant=first, slot=slot)
    url = reverse("assessments:sheet-submit", args=[interview.id])
    early = _client(expert).put(url, {"topics": {}, "rubric": RUBRIC4}, format="json")
    assert early.status_code == 400 and "начала" in early.json()["sheet"][0]
    assert not InterviewSheet.objects.filter(submitted_at__isnull=False).exists()
    _started(slot)
    assert _client(expert).put(url, {"topics": {}, "rubric": RUBRIC4}, format="json").status_code == 200


@pytest.mark.django_db
def test_the_timer_buttons_keep_what_the_expert_has_entered(world, client):  # noqa: F811
    _season, expert, slot, first, _second = world
    interview = Interview.objects.create(participant=first, slot=slot)
    client.force_login(expert)
    url = reverse("assessments:expert-sheet", args=[interview.id])
    entries = {"topic_study": "on", "rubric_motivation": "3", "rubric_knowledge": "²", "comment": "Говорит ясно"}
    assert client.post(url, {**entries, "start": ""}).status_code == 302
    sheet = InterviewSheet.objects.get(interview=interview)
    assert sheet.presentation_started_at and sheet.submitted_at is None
    assert (sheet.topics["study"], sheet.rubric, sheet.comment) == (True, {"motivation": 3}, "Говорит ясно")
    page = client.get(url).content.decode()
    assert 'name="topic_study" checked' in page and 'name="rubric_motivation" value="3" checked' in page
    assert "Говорит ясно" in page
    client.post(url, {**entries, "topic_proposals": "on", "stop": ""})
    sheet.refresh_from_db()
    assert sheet.presentation_seconds is not None and sheet.topics["proposals"] is True
    # Submitting before the start is refused with the message, the entries stay.
    answer = client.post(url, {**entries, **{f"rubric_{k}": "4" for k in RUBRIC4}}, follow=True)
    assert "начала" in answer.content.decode() and "Говорит ясно" in answer.content.decode()


@pytest.mark.django_db
def test_the_sheet_shows_the_application_the_figures_the_decision_and_the_descriptors(world, client):  # noqa: F811
    _season, expert, slot, first, _second = world
    interview = Interview.objects.create(participant=first, slot=slot)
    client.force_login(expert)
    page = client.get(reverse("assessments:expert-sheet", args=[interview.id])).content.decode()
    application = first.application
    assert 'data-testid="sheet-candidate"' in page
    assert application.institution in page and application.internship_reason in page
    assert 'data-testid="candidate-decision"' in page and "Допущен" in page
    assert 'data-testid="candidate-completeness"' in page or "Пока ничего не измерено" in page
    # The built-in rubric's descriptors: what 0 and 5 mean.
    assert page.count('name="rubric_motivation"') == 6 and "не проявлено" in page


@pytest.mark.django_db
def test_a_seasons_own_rubric_decides_the_criteria_scores_and_total(world, client):  # noqa: F811
    season, expert, slot, first, _second = world
    rubric = Rubric.objects.create(season=season, title="Рубрика сезона", max_score=2)
    RubricCriterion.objects.create(
        rubric=rubric, key="vision", label="Видение", descriptors="нет\nчастично\nполностью", position=1
    )
    RubricCriterion.objects.create(rubric=rubric, key="team", label="Команда", descriptors="нет\nда", position=2)
    interview = Interview.objects.create(participant=first, slot=slot)
    _started(slot)
    client.force_login(expert)
    url = reverse("assessments:expert-sheet", args=[interview.id])
    page = client.get(url).content.decode()
    assert "Видение" in page and "полностью" in page and 'name="rubric_motivation"' not in page
    assert page.count('name="rubric_team"') == 3  # 0..2, the missing line shows the score alone
    api = _client(expert)
    sheet_url = reverse("assessments:sheet-submit", args=[interview.id])
    assert api.put(sheet_url, {"topics": {}, "rubric": RUBRIC4}, format="json").status_code == 400
    done = api.put(sheet_url, {"topics": {}, "rubric": {"vision": 2, "team": 1}}, format="json")
    assert done.status_code == 200 and done.json()["total"] == 0.75


@pytest.mark.django_db
def test_staff_edit_rubrics_in_the_admin(client):
    roles_sync()
    from django.contrib.auth.models import Group

    staff = UserFactory(username="rubric-staff")
    staff.groups.add(Group.objects.get(name=roles.STAFF))
    client.force_login(staff)
    assert client.get("/cms/interview_rubrics/").status_code == 200
    assert client.get("/cms/rubric_criteria/").status_code == 200


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_experts_entries_survive_starting_and_stopping_the_timer(page):
    from assessments.tests.test_browser_interviews import _interview, _role
    from tests.factories import TEST_PASSWORD, ParticipantFactory, SeasonFactory
    from tests.plugin import axe_violations, login, screenshot

    season = SeasonFactory(name="Сезон листа")
    expert = _role(UserFactory(username="sheet-expert", first_name="Ольга"), roles.EXPERT)
    participant = ParticipantFactory(season=season, application__user__last_name="Записанова")
    interview = _interview(season, expert, participant, hours=-1)

    login(page, "sheet-expert", TEST_PASSWORD)
    page.goto(f"{page.base_url}{reverse('assessments:expert-sheet', args=[interview.id])}")
    page.get_by_label("Учёба").check()
    page.locator("input[name=rubric_motivation][value='4']").check()
    page.fill("#comment", "Уверенно о проекте")
    page.get_by_role("button", name="Запустить таймер").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_label("Учёба").is_checked()
    assert page.locator("input[name=rubric_motivation][value='4']").is_checked()
    assert page.input_value("#comment") == "Уверенно о проекте"
    screenshot(page, "assessments-sheet-timer-running")
    page.fill("#comment", "Уверенно о проекте, с примерами")
    page.get_by_role("button", name="Остановить таймер").click()
    page.wait_for_load_state("networkidle")
    assert page.input_value("#comment") == "Уверенно о проекте, с примерами"
    assert page.get_by_label("Учёба").is_checked()
    assert axe_violations(page) == []
    screenshot(page, "assessments-sheet-timer-stopped")
    sheet = InterviewSheet.objects.get(interview=interview)
    assert sheet.presentation_seconds is not None and sheet.submitted_at is None
    assert timezone.now() - timedelta(minutes=5) < sheet.presentation_started_at
