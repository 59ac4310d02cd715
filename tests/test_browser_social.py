"""Sign-in with VK ID and Yandex ID in Debian's Chromium, against the fake provider on the loopback
(tests/fake_oauth.py): the buttons' forms reach the provider under the site's policy (form-action
names its origin; any CSP violation fails the test), and each page is axe-clean, in Russian."""

import pytest
from allauth.socialaccount.models import SocialAccount
from django.core import mail

from tests.factories import TEST_PASSWORD, UserFactory
from tests.plugin import axe_violations, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_newcomer_signs_up_with_vk_id_and_manages_the_connection(page, social_on):
    page.goto(f"{page.base_url}/accounts/login/")
    buttons = page.locator("[data-provider]")
    assert buttons.all_inner_texts() == ["VK ID", "Яндекс ID"]
    screenshot(page, "social-login-buttons")
    assert axe_violations(page) == []

    page.click("button[data-provider=vk]")
    page.wait_for_url("**/accounts/3rdparty/signup/")
    assert social_on.calls("vk") == ["authorize", "token", "user_info"]
    assert page.input_value("#id_email") == social_on.person["vk"].email
    assert "Завершение регистрации" in page.locator("h1").inner_text()
    screenshot(page, "social-signup-completion")
    assert axe_violations(page) == []
    page.click("main form button[type=submit]")
    page.wait_for_url("**/cabinet/")
    assert [letter.to for letter in mail.outbox] == [[social_on.person["vk"].email]]

    page.click("text=Связанные учётные записи")
    page.wait_for_url("**/accounts/3rdparty/")
    assert "Иван Петров" in page.locator("main").inner_text()
    screenshot(page, "social-connections")
    assert axe_violations(page) == []
    # The only way into an account without a password stays.
    page.click("main form.form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("main [role=alert]").count() == 1
    assert SocialAccount.objects.count() == 1
    assert axe_violations(page) == []

    # Connecting the second provider from the same page.
    page.click("button[data-provider=yandex]")
    page.wait_for_url("**/accounts/3rdparty/")
    assert SocialAccount.objects.filter(provider="yandex").count() == 1
    assert page.locator("main input[type=radio]").count() == 2


def test_an_owner_connects_a_provider_after_logging_in(page, social_on):
    UserFactory(username="expert", email="expert@example.org")
    login(page, "expert", TEST_PASSWORD)
    page.goto(f"{page.base_url}/accounts/3rdparty/")
    assert "Учётные записи VK ID и Яндекс ID не привязаны." in page.locator("main").inner_text()
    page.click("button[data-provider=yandex]")
    page.wait_for_url("**/accounts/3rdparty/")
    assert SocialAccount.objects.get().user.username == "expert"
    screenshot(page, "social-connected")
    assert axe_violations(page) == []


def test_the_error_and_cancelled_pages_are_readable(page, social_on):
    response = page.goto(f"{page.base_url}/accounts/yandex/login/callback/?code=forged&state=forged")
    assert response.status == 401
    assert "Не удалось войти" in page.locator("h1").inner_text()
    screenshot(page, "social-login-error")
    assert axe_violations(page) == []

    social_on.faults[("vk", "authorize")] = "error:access_denied"
    page.goto(f"{page.base_url}/accounts/login/")
    page.click("button[data-provider=vk]")
    page.wait_for_url("**/accounts/3rdparty/login/cancelled/")
    assert "Вход отменён" in page.locator("h1").inner_text()
    assert axe_violations(page) == []

    page.goto(f"{page.base_url}/accounts/vk/login/")  # a GET: the confirmation page
    screenshot(page, "social-login-confirm")
    assert axe_violations(page) == []
