"""The accounts in Debian's Chromium: sign-up, the confirmation link, the held application in the
cabinet, login and its refusal, each page axe-clean under the site's policy (no inline code)."""

import pytest
from django.core import mail

from lms.models import Application
from tests.factories import TEST_PASSWORD, SeasonFactory, confirmation_path
from tests.plugin import axe_violations, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_up_confirm_and_log_in(page):
    page.goto(f"{page.base_url}/accounts/signup/")
    assert axe_violations(page) == []
    page.fill("#id_email", "newcomer@example.org")
    page.fill("#id_password1", TEST_PASSWORD)
    page.fill("#id_password2", TEST_PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url("**/cabinet/")
    [letter] = mail.outbox
    assert letter.to == ["newcomer@example.org"]

    page.goto(f"{page.base_url}{confirmation_path(letter)}")
    screenshot(page, "account-confirm-email")
    assert axe_violations(page) == []
    page.click("main form button[type=submit]")
    page.wait_for_url("**/cabinet/")
    page.goto(f"{page.base_url}/accounts/email/")
    assert page.locator(".badge.ok").count() == 1  # confirmed
    assert axe_violations(page) == []

    page.click("header form button[type=submit]")  # log out
    page.wait_for_load_state("networkidle")
    page.goto(f"{page.base_url}/accounts/login/")
    assert axe_violations(page) == []
    page.fill("#id_login", "newcomer@example.org")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url("**/cabinet/")


def test_the_refusal_after_too_many_failures_is_a_readable_page(page):
    from tests.factories import UserFactory

    user = UserFactory()
    page.goto(f"{page.base_url}/accounts/login/")
    for _ in range(5):
        page.fill("#id_login", user.username)
        page.fill("#id_password", "Wr0ng-guess-1234")
        with page.expect_navigation() as navigation:
            page.click("form.form button[type=submit]")
    response = navigation.value
    assert response.status == 429 and int(response.headers["retry-after"]) > 0
    assert "15" in page.locator("main [role=alert]").inner_text()
    screenshot(page, "login-locked")
    assert axe_violations(page) == []


def test_an_applicant_sees_the_held_application_and_sends_the_link_again(page):
    season = SeasonFactory()
    page.goto(f"{page.base_url}/apply/")
    page.fill("#id_last_name", "Соколова")
    page.fill("#id_first_name", "Дарья")
    page.fill("#id_email", "dasha@example.org")
    page.fill("#id_password", TEST_PASSWORD)
    born = season.age_reference_date.replace(year=season.age_reference_date.year - 20)
    page.fill("#id_date_of_birth", born.isoformat())
    page.select_option("#id_region_code", "77")
    page.select_option("#id_education_level", "higher_incomplete")
    page.fill("#id_institution", "НИУ ВШЭ")
    page.check("#id_internship_preference_0")
    page.fill("#id_internship_reason", "Интересно увидеть работу правительства.")
    page.check("#id_citizenship_0")
    page.check("#id_personal_data_consent")
    page.click("form.form button[type=submit]")
    page.wait_for_url("**/cabinet/")
    held = page.get_by_test_id("held-application")
    assert "dasha@example.org" in held.inner_text()
    screenshot(page, "cabinet-held-application")
    assert axe_violations(page) == []
    assert Application.objects.get().is_held
    from django.core.cache import cache

    cache.clear()  # past allauth's per-address cool-off between confirmation e-mails
    held.locator("button[type=submit]").click()
    page.wait_for_url("**/accounts/email/")
    assert len([letter for letter in mail.outbox if letter.to == ["dasha@example.org"]]) == 2
    assert axe_violations(page) == []
