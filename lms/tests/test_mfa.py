"""Two-factor authentication (allauth's MFA, lms/mfa.py) with production's requirement: staff and
experts must have an authenticator app on every way in (the site's login, Wagtail's and the Django
admin's logins, the API token endpoint); everyone else may."""

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.test import Client
from knox.models import AuthToken
from rest_framework.test import APIClient

from lms import roles
from lms.privacy.selectors import personal_data_export
from lms.privacy.services import person_erase
from tests.factories import TEST_PASSWORD, ParticipantFactory, UserFactory, user_with_role

pytestmark = pytest.mark.django_db

ADDRESS = "192.0.2.10"
ATTACKER = "203.0.113.9"
SETUP = "/accounts/2fa/totp/activate/"
CODE_STEP = "/accounts/2fa/authenticate/"
# Production's value (lms/tests/test_settings.py checks production loads it).
PRODUCTION_ROLES = ["staff", "expert"]


@pytest.fixture(autouse=True)
def production_requirement(settings):
    settings.MFA_REQUIRED_FOR_ROLES = PRODUCTION_ROLES


def code_for(secret: str, *, at: float | None = None) -> str:
    """The code an authenticator app shows for `secret` (allauth's own HOTP helpers)."""
    return format_hotp_value(hotp_value(secret, int(at or time.time()) // 30))


def with_app(user) -> str:
    """Give `user` an authenticator app and recovery codes, as the set-up page does; the secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return secret


def password_step(client: Client, user, *, path: str = "/accounts/login/", **data):
    return client.post(path, {"login": user.username, "password": TEST_PASSWORD, **data})


def setup_page(client: Client):
    """The set-up page, past allauth's password re-check (changing how one logs in asks for it even
    just after the login)."""
    asked = client.get(SETUP)
    assert asked.status_code == 302 and asked.url.startswith("/accounts/reauthenticate/"), asked
    confirmed = client.post(asked.url, {"password": TEST_PASSWORD})
    assert confirmed.url == SETUP
    return client.get(SETUP)


def staff():
    return user_with_role(roles.STAFF)


def expert():
    return user_with_role(roles.EXPERT)


# ------------------------------------------------------------------ the requirement: set up first


@pytest.mark.parametrize("make", [staff, expert], ids=["staff", "expert"])
def test_staff_and_experts_without_an_app_reach_nothing_but_its_set_up(make):
    user = make()
    client = Client(REMOTE_ADDR=ADDRESS)
    assert password_step(client, user).url == "/cabinet/"
    for path in ("/cabinet/", "/cms/", "/django-admin/", "/staff/admission/", "/expert/interviews/", "/"):
        response = client.get(path)
        assert (response.status_code, response.url) == (302, SETUP), path
    api = client.get("/api/v1/me/")
    assert api.status_code == 403 and "http://testserver/accounts/2fa/" in api.json()["detail"]
    page = setup_page(client)
    assert page.status_code == 200
    assert "требует двухфакторной аутентификации" in page.content.decode()
    # What the set-up needs stays open: the security page, one's addresses, logging out.
    assert client.get("/accounts/2fa/").status_code == 200
    assert client.get("/accounts/email/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/cabinet/").url.startswith("/accounts/login/")


def test_an_unconfirmed_address_is_confirmed_first_and_that_stays_reachable(client):
    """allauth adds no authenticator while an address is unconfirmed (whoever holds it could lock the
    owner out): the set-up says so, and the addresses page and the link's page stay open."""
    user = user_with_role(roles.EXPERT, email_verified=False)
    client.force_login(user)
    answer = client.get(SETUP, follow=True)
    assert answer.redirect_chain == [("/accounts/2fa/", 302)]
    assert "Сначала подтвердите адрес электронной почты" in answer.content.decode()
    assert client.get("/accounts/email/").status_code == 200
    assert client.get("/accounts/confirm-email/no-such-key/").status_code == 200
    assert client.get("/cabinet/").url == SETUP


def test_setting_the_app_up_opens_the_site(client):
    user = staff()
    client.force_login(user)
    page = setup_page(client)
    secret = page.context["form"].secret
    html = page.content.decode()
    assert secret in html  # typed by hand when the QR code cannot be scanned
    # The QR code is drawn here (allauth's SVG, as a data: image the policy's img-src allows): no CDN,
    # no script.
    assert 'src="data:image/svg+xml;base64,' in html and "<script" not in html
    assert "img-src 'self' data:" in page["Content-Security-Policy"]
    assert client.post(SETUP, {"code": "000000" if code_for(secret) != "000000" else "111111"}).status_code == 400
    answer = client.post(SETUP, {"code": code_for(secret)})
    assert (answer.status_code, answer.url) == (302, "/accounts/2fa/recovery-codes/")
    codes = client.get(answer.url)
    assert len(codes.context["unused_codes"]) == 10
    assert client.get("/cabinet/").status_code == 200
    assert client.get("/cms/").status_code == 200


def test_a_participant_is_offered_the_app_not_forced():
    participant = ParticipantFactory()
    client = Client(REMOTE_ADDR=ADDRESS)
    assert password_step(client, participant.user).url == "/cabinet/"
    cabinet = client.get("/cabinet/")
    assert cabinet.status_code == 200
    security = cabinet.content.decode()
    assert "Двухфакторная аутентификация" in security and "/accounts/2fa/" in security
    assert client.get("/accounts/2fa/").status_code == 200
    assert client.get("/api/v1/me/").status_code == 200


def test_nobody_is_forced_when_no_role_requires_it(settings):
    settings.MFA_REQUIRED_FOR_ROLES = []
    client = Client(REMOTE_ADDR=ADDRESS)
    password_step(client, staff())
    assert client.get("/cabinet/").status_code == 200


def test_a_superuser_is_required_too():
    client = Client(REMOTE_ADDR=ADDRESS)
    password_step(client, UserFactory(is_superuser=True, is_staff=True))
    assert client.get("/django-admin/").url == SETUP


# ------------------------------------------------------------------ the login asks for the code


@pytest.mark.parametrize("make", [staff, expert], ids=["staff", "expert"])
def test_the_login_asks_for_the_code_refuses_a_wrong_one_and_takes_the_right_one(make):
    user = make()
    secret = with_app(user)
    client = Client(REMOTE_ADDR=ADDRESS)
    assert password_step(client, user).url == CODE_STEP
    # The password alone is no login yet.
    assert client.get("/cabinet/").url.startswith("/accounts/login/")
    step = client.get(CODE_STEP)
    assert step.status_code == 200 and 'autocomplete="one-time-code"' in step.content.decode()
    right = code_for(secret)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    refused = client.post(CODE_STEP, {"code": wrong})
    assert refused.status_code == 400
    assert "Неверный код" in refused.content.decode()
    assert client.get("/cabinet/").url.startswith("/accounts/login/")
    answer = client.post(CODE_STEP, {"code": right})
    assert (answer.status_code, answer.url) == (302, "/cabinet/")
    assert client.get("/cabinet/").status_code == 200
    assert Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).last_used_at is not None


def test_a_code_is_taken_once():
    user = staff()
    secret = with_app(user)
    code = code_for(secret)
    first = Client(REMOTE_ADDR=ADDRESS)
    password_step(first, user)
    assert first.post(CODE_STEP, {"code": code}).status_code == 302
    second = Client(REMOTE_ADDR=ADDRESS)
    password_step(second, user)
    assert second.post(CODE_STEP, {"code": code}).status_code == 400


def test_a_recovery_code_lets_in_once():
    user = expert()
    with_app(user)
    recovery = RecoveryCodes(Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES))
    code = recovery.get_unused_codes()[0]
    client = Client(REMOTE_ADDR=ADDRESS)
    password_step(client, user)
    assert client.post(CODE_STEP, {"code": code}).url == "/cabinet/"
    client.post("/accounts/logout/")
    again = Client(REMOTE_ADDR=ADDRESS)
    password_step(again, user)
    assert again.post(CODE_STEP, {"code": code}).status_code == 400
    assert again.get("/cabinet/").url.startswith("/accounts/login/")
    assert len(Authenticator.objects.get(pk=recovery.instance.pk).wrap().get_unused_codes()) == 9


@pytest.mark.parametrize(
    ("entrance", "target"),
    [("/cms/login/", "/cms/"), ("/django-admin/login/", "/django-admin/")],
    ids=["wagtail", "django-admin"],
)
def test_the_admins_logins_go_through_the_same_code_step(entrance, target):
    user = staff()
    secret = with_app(user)
    client = Client(REMOTE_ADDR=ADDRESS)
    handover = client.get(entrance, {"next": target})
    assert handover.url == f"/accounts/login/?next={target.replace('/', '%2F')}"
    assert password_step(client, user, next=target).url == CODE_STEP
    assert client.get(target).status_code == 302  # no admin on the password alone
    answer = client.post(CODE_STEP, {"code": code_for(secret)})
    assert answer.url == target
    assert client.get(target).status_code == 200


def test_wrong_codes_count_as_failed_logins_and_lock_like_passwords(caplog):
    """Five wrong codes lock the pair as five wrong passwords do (django-axes): the right code and
    the password from that address are refused as well."""
    user = staff()
    secret = with_app(user)
    client = Client(REMOTE_ADDR=ATTACKER)
    password_step(client, user)
    answers = [client.post(CODE_STEP, {"code": "000000"}).status_code for _ in range(5)]
    assert answers == [400] * 4 + [429]
    assert f"login locked: account user:{user.pk} from {ATTACKER} after 5 failed attempts" in caplog.text
    assert client.post(CODE_STEP, {"code": code_for(secret)}).status_code == 429
    assert password_step(Client(REMOTE_ADDR=ATTACKER), user).status_code == 429


def test_allauths_own_limit_on_codes_stays_on(settings):
    """With django-axes' limit out of the way, allauth's still refuses the sixth code in five minutes."""
    settings.LOGIN_FAILURE_LIMIT = settings.LOGIN_ADDRESS_FAILURE_LIMIT = 100
    user = staff()
    secret = with_app(user)
    client = Client(REMOTE_ADDR=ATTACKER)
    password_step(client, user)
    for _ in range(5):
        assert client.post(CODE_STEP, {"code": "000000"}).status_code == 400
    refused = client.post(CODE_STEP, {"code": code_for(secret)})
    assert refused.status_code == 400 and "Слишком много неверных кодов" in refused.content.decode()
    assert client.get("/cabinet/").url.startswith("/accounts/login/")


# ------------------------------------------------------------------ the API token endpoint


def token(user, *, address: str = ADDRESS, **extra):
    return APIClient(REMOTE_ADDR=address).post(
        "/api/v1/auth/token/", {"username": user.username, "password": TEST_PASSWORD, **extra}, format="json"
    )


def test_the_token_endpoint_refuses_a_required_role_without_an_app_and_says_where_to_set_it_up():
    answer = token(staff())
    assert answer.status_code == 403
    assert "http://testserver/accounts/2fa/" in answer.json()["detail"]
    assert not AuthToken.objects.exists()


def test_the_token_endpoint_asks_for_the_code():
    user = expert()
    secret = with_app(user)
    missing = token(user)
    assert missing.status_code == 400 and missing.json()["code"]
    wrong = token(user, code="000000" if code_for(secret) != "000000" else "111111")
    assert wrong.status_code == 400 and "Неверный код" in wrong.json()["code"][0]
    assert not AuthToken.objects.exists()
    right = token(user, code=code_for(secret))
    assert right.status_code == 200 and right.json()["token"]
    assert APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {right.json()['token']}").status_code == 404


def test_a_recovery_code_takes_a_token_once():
    user = staff()
    with_app(user)
    code = RecoveryCodes(Authenticator.objects.get(user=user, type="recovery_codes")).get_unused_codes()[3]
    assert token(user, code=code).status_code == 200
    assert token(user, code=code).status_code == 400


def test_missing_and_wrong_codes_at_the_token_endpoint_are_counted_by_axes(caplog):
    user = staff()
    secret = with_app(user)
    answers = [token(user, address=ATTACKER).status_code for _ in range(2)]
    answers += [token(user, address=ATTACKER, code="123456x").status_code for _ in range(3)]
    assert answers == [400] * 4 + [429]
    locked = token(user, address=ATTACKER, code=code_for(secret))
    assert locked.status_code == 429 and locked.json()["retry_after"] > 0
    assert f"login locked: account user:{user.pk} from {ATTACKER} after 5 failed attempts" in caplog.text
    assert token(user, address=ADDRESS, code=code_for(secret)).status_code == 200


def test_a_participant_takes_a_token_without_a_code_until_they_turn_the_app_on():
    user = ParticipantFactory().user
    assert token(user).status_code == 200
    secret = with_app(user)
    assert token(user).status_code == 400
    assert token(user, code=code_for(secret)).status_code == 200


@pytest.mark.parametrize("code", ["9" * 5000, "я" * 5000, "x" * 33])
def test_a_code_far_too_long_is_a_400_everywhere_never_a_500(code):
    user = staff()
    with_app(user)
    api = token(user, code=code)
    assert api.status_code == 400 and api.json()["code"]
    client = Client(REMOTE_ADDR=ADDRESS)
    password_step(client, user)
    assert client.post(CODE_STEP, {"code": code}).status_code == 400
    newcomer = Client(REMOTE_ADDR=ADDRESS)
    newcomer.force_login(expert())
    setup_page(newcomer)
    assert newcomer.post(SETUP, {"code": code}).status_code == 400


# ------------------------------------------------------------------ turning it off, the admin, erasure


def test_turning_the_app_off_revokes_api_tokens_and_a_required_role_must_set_up_again(client):
    user = expert()
    secret = with_app(user)
    issued = token(user, code=code_for(secret)).json()["token"]
    client.force_login(user)
    asked = client.get("/accounts/2fa/totp/deactivate/")
    assert asked.url.startswith("/accounts/reauthenticate/")
    client.post(asked.url, {"password": TEST_PASSWORD})
    assert client.post("/accounts/2fa/totp/deactivate/").url == "/accounts/2fa/"
    assert not Authenticator.objects.filter(user=user).exists()
    assert APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {issued}").status_code in (401, 403)
    assert client.get("/cabinet/").url == SETUP


def test_the_django_admin_never_shows_a_secret(client):
    user = expert()
    secret = with_app(user)
    seed = Authenticator.objects.get(user=user, type="recovery_codes").data["seed"]
    superuser = UserFactory(is_superuser=True, is_staff=True)
    with_app(superuser)
    client.force_login(superuser)
    listing = client.get("/django-admin/mfa/authenticator/")
    assert listing.status_code == 200 and user.username in listing.content.decode()
    for authenticator in Authenticator.objects.filter(user=user):
        page = client.get(f"/django-admin/mfa/authenticator/{authenticator.pk}/change/")
        assert page.status_code == 200
        assert secret not in page.content.decode() and seed not in page.content.decode()
    assert client.get("/django-admin/mfa/authenticator/add/").status_code == 403
    # A lost app removed by a superuser: the person sets up a new one, their API tokens are revoked.
    issued = token(user, code=code_for(secret)).json()["token"]
    app = Authenticator.objects.get(user=user, type="totp")
    assert client.post(f"/django-admin/mfa/authenticator/{app.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not AuthToken.objects.filter(user=user).exists()
    assert APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {issued}").status_code in (401, 403)


def account_row(user) -> dict:
    [lms] = [part for part in personal_data_export(user=user)["parts"] if part["key"] == "lms"]
    [account] = [section for section in lms["sections"] if section["key"] == "account"]
    return account["rows"][0]


def test_the_export_says_whether_two_factor_is_on_and_erasure_removes_the_authenticators():
    participant = ParticipantFactory()
    user = participant.user
    assert account_row(user)["two_factor"] is False
    secret = with_app(user)
    assert account_row(user)["two_factor"] is True
    export = personal_data_export(user=user)
    assert secret not in str(export)
    person_erase(user=user, erased_by=staff())
    assert not Authenticator.objects.filter(user=user).exists()
