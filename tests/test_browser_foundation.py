"""The foundation as people use it, in Debian's Chromium: apply, log in, edit the site."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import WorkflowState

from courses.models import CoursePage
from lms.services import roles_sync
from tests.factories import TEST_PASSWORD, ParticipantFactory, SeasonFactory, UserFactory
from tests.plugin import axe_violations, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_applicant_sees_a_clear_error_when_17(page):
    season = SeasonFactory()
    page.goto(f"{page.base_url}/apply/")
    assert axe_violations(page) == []
    born = season.age_reference_date.replace(year=season.age_reference_date.year - 17)
    page.fill("#id_last_name", "Соколова")
    page.fill("#id_first_name", "Дарья")
    page.fill("#id_email", "dasha@example.org")
    page.fill("#id_password", TEST_PASSWORD)
    page.fill("#id_date_of_birth", born.isoformat())
    page.select_option("#id_region_code", "77")
    page.select_option("#id_education_level", "higher_incomplete")
    page.fill("#id_institution", "НИУ ВШЭ")
    page.check("#id_internship_preference_0")
    page.fill("#id_internship_reason", "Интересно увидеть работу правительства.")
    page.check("#id_citizenship_0")
    page.check("#id_personal_data_consent")
    page.click("form.form button[type=submit]")
    error = page.locator(".field.has-error .errorlist").first
    assert "вам будет полных лет: 17" in error.inner_text()
    assert page.locator("#id_date_of_birth").input_value() == born.isoformat()  # the input is kept
    screenshot(page, "apply-error-17")
    assert axe_violations(page) == []


def test_participant_logs_in_and_sees_level_in_the_cabinet(page):
    participant = ParticipantFactory(level="young")
    login(page, participant.user.username, TEST_PASSWORD)
    assert page.url.endswith("/cabinet/")
    assert page.get_by_test_id("level").inner_text() == "Молодые"
    assert participant.season.name in page.content()
    screenshot(page, "cabinet-participant")
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_editor_submits_a_course_page_in_wagtail_and_staff_approve_it(page, client):
    from courses.demo import course_index_ensure

    roles_sync()
    season = SeasonFactory(name="Сезон для редактора")
    index = course_index_ensure()
    editor = UserFactory(username="editor1")
    editor.groups.add(Group.objects.get(name="editor"))
    # Wagtail's login hands over to the site's (the one form django-axes throttles), then back.
    page.goto(f"{page.base_url}/cms/login/?next=/cms/")
    assert "/accounts/login/" in page.url
    page.fill("#id_login", "editor1")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url("**/cms/")
    page.goto(f"{page.base_url}/cms/pages/add/courses/coursepage/{index.id}/")
    page.fill("#id_title", "Основы государственного управления")
    page.select_option("#id_season", str(season.id))
    page.select_option("#id_track", "introductory")
    page.get_by_role("tab", name="Продвижение").click()
    page.fill("#id_slug", "osnovy-gmu")
    page.locator("footer .dropdown-toggle, footer [data-w-dropdown-target='toggle']").first.click()
    assert not page.locator("button[name=action-publish]").count()  # editors submit; staff publish
    page.locator("button[name=action-submit]").click()
    page.wait_for_url(f"**/cms/pages/{index.id}/")
    screenshot(page, "wagtail-submitted")
    course = CoursePage.objects.get(title="Основы государственного управления")
    assert not course.live and course.season_id == season.id
    state = WorkflowState.objects.get(object_id=str(course.pk), status=WorkflowState.STATUS_IN_PROGRESS)
    staff = UserFactory(username="staff1")
    staff.groups.add(Group.objects.get(name="staff"))
    client.force_login(staff)
    approve = reverse("wagtailadmin_pages:workflow_action", args=(course.pk, "approve", state.current_task_state_id))
    assert client.post(approve, {"comment": ""}).status_code == 302
    course.refresh_from_db()
    assert course.live
    page.goto(f"{page.base_url}{course.url}")
    assert page.locator("h1").inner_text() == "Основы государственного управления"


def test_messages_are_accessible_after_changing_the_time_zone(page):
    participant = ParticipantFactory()
    login(page, participant.user.username, TEST_PASSWORD)
    page.select_option("#cabinet-timezone", "Asia/Vladivostok")
    page.click("form.inline-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "Asia/Vladivostok" in page.locator("[role=status]").inner_text()
    assert axe_violations(page) == []


def test_password_pages_are_accessible(page):
    UserFactory(email="forgot@example.org")
    page.goto(f"{page.base_url}/accounts/login/")
    page.click("text=Забыли пароль?")
    assert axe_violations(page) == []
    page.fill("#id_email", "forgot@example.org")
    page.click("form.form button[type=submit]")
    page.wait_for_url("**/accounts/password/reset/done/")
    screenshot(page, "password-reset-done")
    assert axe_violations(page) == []
    login(page, UserFactory(username="changes-password").username, TEST_PASSWORD)
    page.goto(f"{page.base_url}/accounts/password/change/")
    screenshot(page, "password-change")
    assert axe_violations(page) == []


def test_the_api_docs_run_under_the_sites_policy(page):
    """Swagger UI in its split form: its start-up script is a file, so the site's policy (no
    'unsafe-inline') holds; the page fixture fails the test on any violation."""
    response = page.goto(f"{page.base_url}/api/docs/")
    policy = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy and "script-src 'self'" in policy
    page.wait_for_selector(".swagger-ui .info .title")
    assert "ProKadry LMS API" in page.inner_text(".swagger-ui .info .title")
