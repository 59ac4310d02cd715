"""Throttling and lockout on every way in (django-axes with lms/lockout.py): the site's login, the API
token endpoint, and Wagtail's and the Django admin's logins, which hand over to the site's."""

import logging
import time
from unittest import mock

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from lms import roles
from tests.factories import TEST_PASSWORD, UserFactory, user_with_role

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.5"
EXPERT_HOME = "198.51.100.7"
WRONG = "Wr0ng-guess-1234"


@pytest.fixture
def expert():
    return user_with_role(roles.EXPERT, username="expert1", email="expert1@example.org")


def site_login(login: str, password: str, *, address: str, **headers):
    return Client(REMOTE_ADDR=address, **headers).post("/accounts/login/", {"login": login, "password": password})


def token(login: str, password: str, *, address: str):
    return APIClient(REMOTE_ADDR=address).post(
        "/api/v1/auth/token/", {"username": login, "password": password}, format="json"
    )


def test_login_by_username_and_by_email():
    user = UserFactory(username="olga", email="olga@example.org")
    for login in ("olga", "OLGA@example.org"):
        response = site_login(login, TEST_PASSWORD, address="192.0.2.1")
        assert response.status_code == 302 and response.url == "/cabinet/"
        assert response.wsgi_request.user == user


def test_thirty_wrong_passwords_lock_the_pair_but_the_owner_gets_in_from_elsewhere(expert, caplog):
    """The attack that worked before: thirty guesses in a row met no resistance."""
    caplog.set_level(logging.INFO, logger="lms.lockout")
    answers = [site_login("expert1", WRONG, address=ATTACKER).status_code for _ in range(30)]
    assert answers[:4] == [200] * 4  # the form again, with its error
    assert set(answers[4:]) == {429}  # the fifth failure locks; what follows checks no password
    refused = site_login("expert1", TEST_PASSWORD, address=ATTACKER)
    assert refused.status_code == 429
    assert 14 * 60 < int(refused["Retry-After"]) <= 15 * 60
    page = refused.content.decode()
    assert "15" in page and "мин" in page  # how long to wait, in the site's language
    # The e-mail names the same account: no fresh tries by switching identifiers.
    assert site_login("expert1@example.org", TEST_PASSWORD, address=ATTACKER).status_code == 429
    # The expert, from their own address, is not locked out.
    assert site_login("expert1", TEST_PASSWORD, address=EXPERT_HOME).status_code == 302
    # Logged once, with the account's id and the address, never the password.
    locks = [record.getMessage() for record in caplog.records if "login locked" in record.getMessage()]
    assert locks == [f"login locked: account user:{expert.pk} from {ATTACKER} after 5 failed attempts, for 15 minutes"]
    assert WRONG not in caplog.text and TEST_PASSWORD not in caplog.text


def test_an_address_is_throttled_across_accounts(caplog):
    users = [UserFactory() for _ in range(21)]
    # One guess each at twenty accounts: no pair reaches its limit, the address does.
    answers = [site_login(user.username, WRONG, address=ATTACKER).status_code for user in users[:20]]
    assert answers == [200] * 19 + [429]
    assert site_login(users[20].username, TEST_PASSWORD, address=ATTACKER).status_code == 429
    assert site_login(users[20].username, TEST_PASSWORD, address=EXPERT_HOME).status_code == 302
    assert f"login locked: address {ATTACKER} after 20 failed attempts" in caplog.text


def test_an_honest_login_clears_its_own_typos():
    user = UserFactory()
    for _ in range(4):
        site_login(user.username, WRONG, address=EXPERT_HOME)
    assert site_login(user.username, TEST_PASSWORD, address=EXPERT_HOME).status_code == 302
    for _ in range(4):
        assert site_login(user.username, WRONG, address=EXPERT_HOME).status_code == 200


def test_the_lock_is_released_after_the_cool_off_and_the_release_is_logged(expert, caplog):
    caplog.set_level(logging.INFO, logger="lms.lockout")
    for _ in range(5):
        site_login("expert1", WRONG, address=ATTACKER)
    assert site_login("expert1", TEST_PASSWORD, address=ATTACKER).status_code == 429
    later = time.time() + 15 * 60 + 1
    with mock.patch("lms.lockout.time.time", return_value=later):
        assert site_login("expert1", TEST_PASSWORD, address=ATTACKER).status_code == 302
    assert f"login released: account user:{expert.pk} from {ATTACKER} (the cool-off is over)" in caplog.text


def test_axes_reset_command_releases_an_address_by_hand(caplog):
    caplog.set_level(logging.INFO, logger="lms.lockout")
    user = UserFactory()
    for _ in range(5):
        site_login(user.username, WRONG, address=ATTACKER)
    assert site_login(user.username, TEST_PASSWORD, address=ATTACKER).status_code == 429
    call_command("axes_reset_ip_username", ATTACKER, user.username)
    assert site_login(user.username, TEST_PASSWORD, address=ATTACKER).status_code == 302
    assert f"login released: account user:{user.pk} from {ATTACKER} (reset by hand)" in caplog.text


def test_the_api_token_endpoint_is_throttled_with_json(expert):
    answers = [token("expert1", WRONG, address=ATTACKER) for _ in range(6)]
    assert [answer.status_code for answer in answers] == [400] * 4 + [429, 429]
    refused = token("expert1", TEST_PASSWORD, address=ATTACKER)
    assert refused.status_code == 429 and refused["Content-Type"] == "application/json"
    body = refused.json()
    assert 0 < body["retry_after"] == int(refused["Retry-After"]) <= 15 * 60 and body["detail"]
    assert token("expert1", TEST_PASSWORD, address=EXPERT_HOME).status_code == 200


def test_the_token_endpoint_and_the_site_share_one_counter(expert):
    for _ in range(3):
        site_login("expert1", WRONG, address=ATTACKER)
    for _ in range(2):
        token("expert1", WRONG, address=ATTACKER)
    assert site_login("expert1", TEST_PASSWORD, address=ATTACKER).status_code == 429


@pytest.mark.parametrize("admin_login", ["/cms/login/", "/django-admin/login/"])
def test_the_admins_logins_hand_over_to_the_throttled_one(admin_login):
    staff = user_with_role(roles.STAFF)
    client = Client(REMOTE_ADDR=ATTACKER)
    handed = client.get(f"{admin_login}?next=/cms/pages/")
    assert handed.status_code == 302 and handed.url == "/accounts/login/?next=%2Fcms%2Fpages%2F"
    # Credentials posted to the admin's own login are not checked there at all.
    posted = client.post(admin_login, {"username": staff.username, "password": TEST_PASSWORD})
    assert posted.status_code == 302 and posted.url == "/accounts/login/"
    assert "_auth_user_id" not in client.session
    for _ in range(5):
        client.post(handed.url, {"login": staff.username, "password": WRONG})
    assert client.post(handed.url, {"login": staff.username, "password": TEST_PASSWORD}).status_code == 429


def test_an_admin_sends_someone_without_access_to_a_403_not_round_the_login(client):
    participant = UserFactory()
    client.force_login(participant)
    response = client.get("/django-admin/", follow=True)
    assert response.status_code == 403
    assert client.get("/cms/", follow=True).status_code == 403
    staff = user_with_role(roles.STAFF)
    client.force_login(staff)
    assert client.get("/django-admin/login/?next=/django-admin/", follow=True).request["PATH_INFO"] == "/django-admin/"


def test_without_a_proxy_a_forged_forwarded_header_changes_nothing(expert):
    for _ in range(5):
        site_login("expert1", WRONG, address=ATTACKER)
    forged = site_login("expert1", TEST_PASSWORD, address=ATTACKER, HTTP_X_FORWARDED_FOR=EXPERT_HOME)
    assert forged.status_code == 429


def test_behind_a_proxy_the_address_is_the_one_the_proxy_appended(expert, settings):
    settings.LOGIN_CLIENT_IP_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    for _ in range(5):
        site_login("expert1", WRONG, address=proxy, HTTP_X_FORWARDED_FOR=ATTACKER)
    # The attacker puts another address in front: the proxy still appends the real one last.
    forged = site_login("expert1", TEST_PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR=f"{EXPERT_HOME}, {ATTACKER}")
    assert forged.status_code == 429
    # Everyone else comes through the same proxy and is not locked out with the attacker.
    assert site_login("expert1", TEST_PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR=EXPERT_HOME).status_code == 302
