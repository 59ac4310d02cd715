"""Sign-in with VK ID and Yandex ID (issue 13), against a fake provider on the loopback
(tests/fake_oauth.py): every exchange is real HTTP between our code and the fake, which checks what
the real providers check (client id and secret, redirect URI, PKCE and device_id for VK ID)."""

from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client

from lms import roles
from lms.models import Application
from lms.privacy.services import person_erase
from lms.services import ApplicationData, application_submit
from tests.factories import TEST_PASSWORD, SeasonFactory, UserFactory, confirmation_path, user_with_role

pytestmark = pytest.mark.django_db

PROVIDERS = ("vk", "yandex")
SOCIAL_PATHS = [
    "/accounts/vk/login/",
    "/accounts/vk/login/callback/?code=x&state=y",
    "/accounts/yandex/login/",
    "/accounts/yandex/login/callback/?code=x&state=y",
    "/accounts/3rdparty/",
    "/accounts/3rdparty/signup/",
    "/accounts/3rdparty/login/error/",
    "/accounts/3rdparty/login/cancelled/",
]


def start(client, provider: str, *, process: str = "login") -> str:
    """Press the provider's button: our answer redirects to its authorize page."""
    response = client.post(f"/accounts/{provider}/login/", {"process": process})
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def callback_path(url: str) -> str:
    parts = urlsplit(url)
    assert parts.netloc == "testserver", url
    return f"{parts.path}?{parts.query}"


def through(client, fake, provider: str, *, process: str = "login"):
    """A whole login (or connect) through the fake provider: our answer to its redirect back."""
    authorize_url = start(client, provider, process=process)
    assert authorize_url.startswith(fake.provider_settings()[provider]["AUTHORIZE_URL"] + "?")
    return client.get(callback_path(fake.authorize(authorize_url)))


def logged_in_as(client):
    user_id = client.session.get("_auth_user_id")
    return get_user_model().objects.get(pk=user_id) if user_id else None


def password_login(client, login: str, password: str = TEST_PASSWORD):
    return client.post("/accounts/login/", {"login": login, "password": password})


def _application(email: str) -> ApplicationData:
    from django.utils import timezone

    today = timezone.localdate()
    return ApplicationData(
        last_name="Петров",
        first_name="Иван",
        email=email,
        date_of_birth=today.replace(year=today.year - 22, day=1),
        region_code="77",
        education_level="bachelor",
        institution="МГУ",
        internship_preference="roiv",
        internship_reason="Хочу работать в правительстве.",
        personal_data_consent=True,
        citizenship="ru",
    )


# (1) Off unless configured.


def test_without_client_ids_there_are_no_buttons_and_no_routes(client, settings):
    assert all(not config["APPS"] for config in settings.SOCIALACCOUNT_PROVIDERS.values())
    for page in ("/accounts/login/", "/accounts/signup/"):
        response = client.get(page)
        assert response.status_code == 200
        assert b"data-provider" not in response.content
        assert b"/accounts/vk/" not in response.content and b"/accounts/yandex/" not in response.content
    for path in SOCIAL_PATHS:
        assert client.get(path).status_code == 404, path
        assert client.post(path).status_code == 404, path
    user = UserFactory()
    client.force_login(user)
    for path in SOCIAL_PATHS:
        assert client.get(path).status_code == 404, path
    page = client.get("/accounts/email/")
    assert b"/accounts/3rdparty/" not in page.content  # no "Connected accounts" in the settings' menu
    assert b"/accounts/3rdparty/" not in client.get("/cabinet/").content
    assert "form-action 'self';" in client.get("/accounts/login/")["Content-Security-Policy"] + ";"


def test_one_provider_on_shows_only_its_button_and_routes(client, settings, fake_oauth):
    settings.SOCIALACCOUNT_PROVIDERS = fake_oauth.provider_settings("yandex")
    page = client.get("/accounts/login/")
    assert b'data-provider="yandex"' in page.content and b'data-provider="vk"' not in page.content
    assert client.get("/accounts/vk/login/").status_code == 404
    assert client.get("/accounts/yandex/login/").status_code == 200  # the confirmation page
    assert client.get("/accounts/3rdparty/signup/").status_code == 302  # nothing pending: to the login


def test_buttons_are_plain_forms_and_the_policy_lets_them_reach_the_provider(client, social_on):
    page = client.get("/accounts/login/")
    html = page.content.decode()
    for provider in PROVIDERS:
        assert f'action="/accounts/{provider}/login/?process=login"' in html
        assert f'data-provider="{provider}"' in html
    assert "<img" not in html and "<script" not in html and " style=" not in html
    policy = page["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    form_action = next(part for part in policy.split(";") if part.strip().startswith("form-action"))
    assert "'self'" in form_action and social_on.base_url in form_action
    assert b'data-provider="vk"' in client.get("/accounts/signup/").content
    # Pages elsewhere do not widen form-action.
    assert social_on.base_url not in client.get("/apply/")["Content-Security-Policy"]


def test_a_get_only_shows_a_confirmation_page_and_starts_nothing(client, social_on):
    response = client.get("/accounts/vk/login/")
    assert response.status_code == 200
    assert b'method="post"' in response.content
    assert social_on.log == []


# (2) Full flows: a newcomer signs up through VK ID or Yandex ID.


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_newcomer_signs_up_and_lands_logged_in(client, social_on, provider):
    person = social_on.person[provider]
    response = through(client, social_on, provider)
    # Every newcomer completes the sign-up on our page: the address is theirs to confirm.
    assert response.status_code == 302 and response["Location"] == "/accounts/3rdparty/signup/"
    assert logged_in_as(client) is None
    page = client.get("/accounts/3rdparty/signup/")
    assert page.status_code == 200
    assert person.email in page.content.decode()
    assert "<script" not in page.content.decode()

    response = client.post("/accounts/3rdparty/signup/", {"email": person.email})
    assert response.status_code == 302 and response["Location"] == "/cabinet/"
    user = logged_in_as(client)
    assert user is not None and (user.first_name, user.last_name) == (person.first_name, person.last_name)
    assert client.get("/cabinet/").status_code == 200

    # The provider's exchange really happened, PKCE and device_id checked by the fake for VK ID.
    profile = "user_info" if provider == "vk" else "info"
    assert social_on.calls(provider) == ["authorize", "token", profile]
    authorize_call, token_call = social_on.log[0][2], social_on.log[1][2]
    assert authorize_call["code_challenge_method"] == "S256" and token_call["code_verifier"]
    assert provider != "vk" or token_call["device_id"]

    account = SocialAccount.objects.get(user=user)
    assert (account.provider, account.uid) == (provider, person.uid)
    # Only the name, the address and the id are kept of the profile: no phone, birthday, avatar.
    assert set(account.extra_data) <= {"user_id", "id", "first_name", "last_name", "email", "default_email"}
    assert "79991234567" not in str(account.extra_data)
    # No token is kept: not in the database, not in the session.
    assert not SocialToken.objects.exists()
    issued = set(social_on.tokens)
    assert issued and not any(token in str(dict(client.session)) for token in issued)

    # The same standing as an ordinary sign-up: no role, no staff rights, no password to guess.
    ordinary = Client()
    ordinary.post(
        "/accounts/signup/", {"email": "ordinary@example.org", "password1": TEST_PASSWORD, "password2": TEST_PASSWORD}
    )
    ordinary_user = logged_in_as(ordinary)
    assert list(user.groups.all()) == list(ordinary_user.groups.all()) == []
    assert not user.is_staff and not user.is_superuser
    assert not user.has_usable_password()
    # The username is ours, never the provider's display name (Yandex's fake says "admin").
    assert user.username != "admin"

    # The provider's "verified" is not believed (Yandex marks every address so): our link is sent.
    address = EmailAddress.objects.get(user=user)
    assert address.email == person.email and not address.verified
    [letter] = [letter for letter in mail.outbox if letter.to == [person.email]]

    # Like any applicant's, their application is held until they follow our link, then counts
    # and makes them a participant.
    season = SeasonFactory()
    application = application_submit(season=season, data=_application(person.email), user=user)
    assert application.email_verified_at is None
    assert not user.groups.filter(name=roles.PARTICIPANT).exists()
    assert client.post(confirmation_path(letter)).status_code == 302
    assert Application.objects.get(pk=application.pk).email_verified_at is not None
    assert user.groups.filter(name=roles.PARTICIPANT).exists()

    # Next time the provider logs them straight in.
    again = Client()
    response = through(again, social_on, provider)
    assert response.status_code == 302 and response["Location"] == "/cabinet/"
    assert logged_in_as(again) == user


def test_the_completion_page_refuses_a_missing_address(client, social_on):
    through(client, social_on, "vk")
    response = client.post("/accounts/3rdparty/signup/", {"email": ""})
    assert response.status_code == 200
    assert logged_in_as(client) is None and not SocialAccount.objects.exists()


# (3) A provider's address that an existing account holds logs nobody into it.


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("role", [roles.STAFF, roles.EXPERT])
def test_the_address_of_an_existing_account_logs_nobody_in_until_its_owner_connects(social_on, provider, role):
    owner = user_with_role(role, username="chief", email="chief@example.org")
    assert EmailAddress.objects.get(user=owner).verified
    social_on.person[provider] = social_on.person[provider].__class__("777", "Глава", "Отдела", "chief@example.org")

    stranger = Client()
    response = through(stranger, social_on, provider)
    assert response.status_code == 302 and response["Location"] == "/accounts/3rdparty/signup/"
    assert logged_in_as(stranger) is None
    page = stranger.get("/accounts/3rdparty/signup/").content.decode()
    assert "/accounts/login/" in page  # "already have an account? log in, then connect"
    assert not SocialAccount.objects.exists()

    # The owner logs in with their password and connects the provider account.
    owner_client = Client()
    assert password_login(owner_client, "chief").status_code == 302
    connections = owner_client.get("/accounts/3rdparty/")
    assert connections.status_code == 200 and f'data-provider="{provider}"'.encode() in connections.content
    response = through(owner_client, social_on, provider, process="connect")
    assert response.status_code == 302 and response["Location"] == "/accounts/3rdparty/"
    assert SocialAccount.objects.get(provider=provider, uid="777").user == owner
    listed = owner_client.get("/accounts/3rdparty/").content.decode()
    assert "Глава Отдела" in listed

    # From now on the provider logs the owner in.
    later = Client()
    response = through(later, social_on, provider)
    assert response.status_code == 302 and response["Location"] == "/cabinet/"
    assert logged_in_as(later) == owner


def test_a_provider_account_connected_to_someone_else_is_not_taken_over(social_on):
    first = UserFactory(username="first")
    second = UserFactory(username="second")
    for user in (first, second):
        browser = Client()
        password_login(browser, user.username)
        through(browser, social_on, "vk", process="connect")
    assert SocialAccount.objects.get(provider="vk").user == first


def test_connecting_needs_a_login(client, social_on):
    response = through(client, social_on, "vk", process="connect")
    assert response.status_code == 302
    assert logged_in_as(client) is None and not SocialAccount.objects.exists()


def test_the_last_way_into_an_account_without_a_password_cannot_be_disconnected(client, social_on):
    through(client, social_on, "vk")
    client.post("/accounts/3rdparty/signup/", {"email": social_on.person["vk"].email})
    user = logged_in_as(client)
    account = SocialAccount.objects.get(user=user)
    page = client.get("/accounts/3rdparty/")
    assert b'href="/accounts/password/set/"' in page.content

    response = client.post("/accounts/3rdparty/", {"account": account.pk})
    assert response.status_code == 200 and b'role="alert"' in response.content
    assert SocialAccount.objects.filter(pk=account.pk).exists()

    new_password = "An0ther-str0ng-pass"
    response = client.post("/accounts/password/set/", {"password1": new_password, "password2": new_password})
    assert response.status_code == 302
    response = client.post("/accounts/3rdparty/", {"account": account.pk})
    assert response.status_code == 302 and not SocialAccount.objects.filter(pk=account.pk).exists()
    # Disconnected: the provider now leads to a new sign-up, not into this account.
    assert through(Client(), social_on, "vk")["Location"] == "/accounts/3rdparty/signup/"


# The login lockout.


def test_a_locked_out_address_is_refused_through_a_provider_too(client, settings, social_on):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 3
    for number in range(3):
        password_login(client, f"nobody{number}@example.org", "Wr0ng-guess-1234")
    response = through(client, social_on, "yandex")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert logged_in_as(client) is None
    assert client.get("/accounts/3rdparty/signup/").status_code == 302  # no sign-up pending


def test_a_locked_out_account_is_refused_through_its_provider_from_that_address(settings, social_on):
    settings.LOGIN_FAILURE_LIMIT = 2
    owner = UserFactory(username="owner")
    owner_client = Client()
    password_login(owner_client, "owner")
    through(owner_client, social_on, "vk", process="connect")
    other = UserFactory(username="other")
    other_client = Client()
    password_login(other_client, "other")
    social_on.person["yandex"] = social_on.person["yandex"].__class__("555", "Другой", "Человек", "other@example.org")
    through(other_client, social_on, "yandex", process="connect")

    attacker = Client()
    for _ in range(2):
        assert password_login(attacker, "owner", "Wr0ng-guess-1234").status_code != 302
    refused_client = Client()
    refused = through(refused_client, social_on, "vk")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert logged_in_as(refused_client) is None and SocialAccount.objects.get(provider="vk").user == owner
    # Only that pair is locked: another account logs in through its provider from the same address.
    allowed = Client()
    assert through(allowed, social_on, "yandex")["Location"] == "/cabinet/"
    assert logged_in_as(allowed) == other


# (4) A forged or failed exchange: our error page, a 4xx, never a 500.


def _with_callback(client, fake, provider: str, change) -> object:
    authorize_url = start(client, provider)
    callback = urlsplit(fake.authorize(authorize_url))
    query = {key: values[-1] for key, values in parse_qs(callback.query).items()}
    change(query)
    from urllib.parse import urlencode

    return client.get(f"{callback.path}?{urlencode(query)}")


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda query: query.update(state="forged-state"), id="another-state"),
        pytest.param(lambda query: query.pop("state"), id="no-state"),
        pytest.param(lambda query: query.update(code="forged-code"), id="forged-code"),
        pytest.param(lambda query: query.pop("code"), id="no-code"),
    ],
)
def test_a_forged_callback_is_refused_with_our_error_page(client, social_on, provider, change):
    response = _with_callback(client, social_on, provider, change)
    assert response.status_code == 401
    assert "socialaccount/authentication_error.html" in [template.name for template in response.templates]
    assert logged_in_as(client) is None


def test_a_callback_used_twice_is_refused(client, social_on):
    callback = callback_path(social_on.authorize(start(client, "vk")))
    assert client.get(callback).status_code == 302
    assert client.get(callback).status_code == 401


def test_a_callback_from_another_browser_is_refused(social_on):
    callback = callback_path(social_on.authorize(start(Client(), "yandex")))
    victim = Client()
    response = victim.get(callback)
    assert response.status_code == 401 and logged_in_as(victim) is None


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize(
    ("endpoint", "fault"),
    [
        ("authorize", "error:server_error"),
        ("token", "500"),
        ("token", "garbage"),
        ("profile", "500"),
        ("profile", "garbage"),
        ("profile", "no_id"),
    ],
)
def test_a_provider_error_is_our_error_page(client, social_on, provider, endpoint, fault):
    if endpoint == "profile":
        endpoint = "user_info" if provider == "vk" else "info"
    social_on.faults[(provider, endpoint)] = fault
    response = through(client, social_on, provider)
    assert response.status_code == 401
    assert "socialaccount/authentication_error.html" in [template.name for template in response.templates]
    assert logged_in_as(client) is None and not SocialAccount.objects.exists()


def test_an_unreachable_provider_is_our_error_page(client, settings, social_on):
    providers = social_on.provider_settings()
    providers["vk"]["ACCESS_TOKEN_URL"] = "http://127.0.0.1:9/token"  # the discard port: refused
    settings.SOCIALACCOUNT_PROVIDERS = providers
    response = through(client, social_on, "vk")
    assert response.status_code == 401 and logged_in_as(client) is None


def test_a_login_cancelled_at_the_provider_says_so(client, social_on):
    social_on.faults[("yandex", "authorize")] = "error:access_denied"
    response = through(client, social_on, "yandex")
    assert response.status_code == 302 and response["Location"] == "/accounts/3rdparty/login/cancelled/"
    assert client.get(response["Location"]).status_code == 200
    assert logged_in_as(client) is None


def test_a_login_post_without_the_csrf_token_is_refused(social_on):
    browser = Client(enforce_csrf_checks=True)
    assert browser.post("/accounts/vk/login/", {"process": "login"}).status_code == 403
    assert social_on.log == []


# (5) Erasure and the data export; the admin.


def test_the_export_lists_the_connection_and_the_erasure_removes_it(client, social_on):
    through(client, social_on, "vk")
    client.post("/accounts/3rdparty/signup/", {"email": social_on.person["vk"].email})
    user = logged_in_as(client)
    account = SocialAccount.objects.get(user=user)
    # A token row, as allauth would keep with SOCIALACCOUNT_STORE_TOKENS: the erasure takes it too.
    SocialToken.objects.create(account=account, token="stored-access-token", token_secret="stored-refresh")

    export = client.get("/cabinet/data/export.json")
    assert export.status_code == 200
    data = export.json()
    [section] = [
        section for part in data["parts"] for section in part["sections"] if section["key"] == "connected_accounts"
    ]
    [row] = section["rows"]
    assert row["provider"] == "VK ID" and row["uid"] == social_on.person["vk"].uid
    assert social_on.person["vk"].email in row["received"]
    text = export.content.decode()
    assert "stored-access-token" not in text and "stored-refresh" not in text
    assert not any(token in text for token in social_on.tokens)
    assert social_on.person["vk"].uid in client.get("/cabinet/data/export/").content.decode()

    person_erase(user=user, erased_by=user_with_role(roles.STAFF))
    assert not SocialAccount.objects.filter(user=user).exists()
    assert not SocialToken.objects.exists()
    # The provider account now leads to a new sign-up, never into the erased account.
    again = Client()
    assert through(again, social_on, "vk")["Location"] == "/accounts/3rdparty/signup/"
    assert logged_in_as(again) is None


def test_the_admin_shows_no_token_and_no_secret(client, social_on):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    SocialApp.objects.create(provider="vk", name="stale", client_id="db-client", secret="db-secret")
    person = UserFactory()
    account = SocialAccount.objects.create(user=person, provider="vk", uid="42", extra_data={"email": "hidden@x.org"})
    SocialToken.objects.create(account=account, token="admin-visible-token?")
    client.force_login(admin)
    index = client.get("/django-admin/").content.decode()
    assert "socialtoken" not in index and "socialapp" not in index
    assert client.get("/django-admin/socialaccount/socialtoken/").status_code == 404
    assert client.get("/django-admin/socialaccount/socialapp/").status_code == 404
    listing = client.get("/django-admin/socialaccount/socialaccount/")
    assert listing.status_code == 200 and "42" in listing.content.decode()
    detail = client.get(f"/django-admin/socialaccount/socialaccount/{account.pk}/change/").content.decode()
    assert "hidden@x.org" not in detail and "admin-visible-token" not in detail
    # A secret in the table is never used: the apps come from the settings (the environment) only.
    assert Client().get("/accounts/login/").content.decode().count("data-provider") == 2
    from allauth.socialaccount.adapter import get_adapter

    assert {app.client_id for app in get_adapter().list_apps(None, provider="vk")} == {"vk-test-app"}


def test_staff_may_not_be_signed_up_twice_by_one_provider_account(client, social_on):
    """The completion page, posted with a staff member's address by someone else, makes a separate
    account that does not hold the address confirmed (the owner is told by e-mail)."""
    owner = user_with_role(roles.STAFF, username="boss", email="boss@example.org")
    social_on.person["vk"] = social_on.person["vk"].__class__("999", "Чужой", "Человек", "boss@example.org")
    through(client, social_on, "vk")
    response = client.post("/accounts/3rdparty/signup/", {"email": "boss@example.org"})
    assert response.status_code == 302
    newcomer = logged_in_as(client)
    assert newcomer != owner and not newcomer.is_staff and not newcomer.groups.exists()
    assert not EmailAddress.objects.get(user=newcomer).verified
    assert EmailAddress.objects.get(user=owner).verified
    [notice] = [letter for letter in mail.outbox if letter.to == ["boss@example.org"]]
    assert "/accounts/confirm-email/" not in notice.body
    assert Group.objects.filter(user=newcomer).count() == 0


def test_with_the_providers_on_the_connections_page_needs_a_login(client, social_on):
    response = client.get("/accounts/3rdparty/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client.force_login(UserFactory())
    assert client.get("/accounts/3rdparty/").status_code == 200


def test_a_connection_to_a_provider_turned_off_since_is_listed_and_can_be_removed(client, settings, social_on):
    user = UserFactory(username="keeper")
    account = SocialAccount.objects.create(user=user, provider="vk", uid="31337", extra_data={"first_name": "Пётр"})
    settings.SOCIALACCOUNT_PROVIDERS = social_on.provider_settings("yandex")
    password_login(client, "keeper")
    page = client.get("/accounts/3rdparty/").content.decode()
    assert "VK ID" in page and "Пётр" in page
    assert 'data-provider="vk"' not in page  # nothing to connect it with
    response = client.post("/accounts/3rdparty/", {"account": account.pk})
    assert response.status_code == 302 and not SocialAccount.objects.filter(pk=account.pk).exists()
    assert client.get("/accounts/vk/login/").status_code == 404
