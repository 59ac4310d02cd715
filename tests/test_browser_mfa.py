"""Two-factor authentication in Debian's Chromium, as production requires it of staff: the set-up
the login leads to (the QR code under the site's policy, the key read off the page), the recovery
codes, then a login with the app's code; every MFA page axe-clean."""

import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from lms import roles
from tests.factories import TEST_PASSWORD, user_with_role
from tests.plugin import axe_violations, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def code_for(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_staff_set_up_the_app_then_log_in_with_its_code(page, settings):
    settings.MFA_REQUIRED_FOR_ROLES = ["staff", "expert"]
    staff = user_with_role(roles.STAFF, username="mfa-staff")

    # The password alone leads to the set-up, past allauth's re-check of the password.
    login(page, staff.username, TEST_PASSWORD)
    assert "/accounts/reauthenticate/" in page.url
    screenshot(page, "mfa-reauthenticate")
    assert axe_violations(page) == []
    page.fill("#id_password", TEST_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/accounts/2fa/totp/activate/")
    assert "требует двухфакторной аутентификации" in page.locator("main").inner_text()
    qr = page.locator(".qr-code img")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")  # drawn from a data: URI the policy allows
    screenshot(page, "mfa-activate")
    assert axe_violations(page) == []
    # Elsewhere is closed until it is set up.
    page.goto(f"{page.base_url}/cabinet/")
    assert page.url.endswith("/accounts/2fa/totp/activate/")

    secret = page.get_by_test_id("totp-secret").inner_text().strip()
    page.fill("#id_code", "000000" if code_for(secret) != "000000" else "111111")
    with page.expect_navigation() as refused:
        page.click("main form button[type=submit]")
    assert refused.value.status == 400
    assert page.get_by_test_id("totp-secret").inner_text().strip() == secret  # the same key, to try again
    assert axe_violations(page) == []
    page.fill("#id_code", code_for(secret))
    page.click("main form button[type=submit]")
    page.wait_for_url("**/accounts/2fa/recovery-codes/")
    assert page.get_by_test_id("recovery-codes").locator("li").count() == 10
    screenshot(page, "mfa-recovery-codes")
    assert axe_violations(page) == []
    page.goto(f"{page.base_url}/accounts/2fa/")
    screenshot(page, "mfa-security-page")
    assert axe_violations(page) == []

    page.click("header form button[type=submit]")  # log out
    page.wait_for_load_state("networkidle")
    login(page, staff.username, TEST_PASSWORD)
    assert page.url.endswith("/accounts/2fa/authenticate/")
    screenshot(page, "mfa-authenticate")
    assert axe_violations(page) == []
    page.fill("#id_code", "12345")
    with page.expect_navigation() as wrong:
        page.click("main form button[type=submit]")
    assert wrong.value.status == 400 and "Неверный код" in page.locator("main .errorlist").inner_text()
    screenshot(page, "mfa-authenticate-wrong-code")
    assert axe_violations(page) == []
    page.fill("#id_code", code_for(secret))
    page.click("main form button[type=submit]")
    page.wait_for_url("**/cabinet/")
    security = page.locator("section[aria-labelledby=account-settings-heading]").inner_text()
    assert "включена" in security
    screenshot(page, "mfa-cabinet")
    assert axe_violations(page) == []

    # The pages that change it, each behind a fresh re-check (by the app's code, or the password).
    page.goto(f"{page.base_url}/accounts/2fa/reauthenticate/")
    screenshot(page, "mfa-reauthenticate-by-code")
    assert axe_violations(page) == []
    page.goto(f"{page.base_url}/accounts/2fa/recovery-codes/generate/")
    assert "/accounts/reauthenticate/" in page.url
    page.fill("#id_password", TEST_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/accounts/2fa/recovery-codes/generate/")
    assert axe_violations(page) == []
    page.goto(f"{page.base_url}/accounts/2fa/totp/deactivate/")
    screenshot(page, "mfa-deactivate")
    assert "сразу настроите новое" in page.locator("main").inner_text()
    assert axe_violations(page) == []
