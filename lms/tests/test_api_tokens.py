"""API tokens (django-rest-knox): stored as digests, expiring, revocable, revoked with the password."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib import admin
from django.utils import timezone, translation
from django.utils.translation import gettext
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def token_for(user) -> str:
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": user.username, "password": TEST_PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def refused(response) -> bool:
    """knox refuses an unknown, revoked or expired token ("Invalid token."); DRF answers 403 rather
    than 401 because session authentication comes first and has no WWW-Authenticate challenge."""
    with translation.override("en"):
        invalid = gettext("Invalid token.")
    return response.status_code in (401, 403) and response.json()["detail"] in (invalid, _ru("Invalid token."))


def _ru(text: str) -> str:
    with translation.override("ru"):
        return gettext(text)


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_a_token_is_stored_only_as_a_digest_and_expires_after_the_setting():
    user = UserFactory()
    token = token_for(user)
    [stored] = AuthToken.objects.filter(user=user)
    assert token not in {stored.digest, stored.token_key} and stored.token_key == token[: len(stored.token_key)]
    assert timedelta(hours=9, minutes=59) < stored.expiry - timezone.now() <= timedelta(hours=10)


def test_an_expired_token_is_refused():
    user = UserFactory()
    token = token_for(user)
    AuthToken.objects.filter(user=user).update(expiry=timezone.now() - timedelta(seconds=1))
    assert refused(client_with(token).get("/api/v1/me/"))


def test_using_a_token_renews_it():
    user = UserFactory()
    token = token_for(user)
    AuthToken.objects.filter(user=user).update(expiry=timezone.now() + timedelta(hours=1))
    client_with(token).get("/api/v1/me/")
    assert AuthToken.objects.get(user=user).expiry > timezone.now() + timedelta(hours=9)


def test_logout_revokes_this_token_and_logoutall_every_one():
    user = UserFactory()
    first, second, third = token_for(user), token_for(user), token_for(user)
    assert client_with(first).post("/api/v1/auth/logout/").status_code == 204
    assert refused(client_with(first).get("/api/v1/me/"))
    assert client_with(second).get("/api/v1/me/").status_code == 404  # a user, not a participant
    assert client_with(second).post("/api/v1/auth/logoutall/").status_code == 204
    assert refused(client_with(third).get("/api/v1/me/"))
    assert not AuthToken.objects.filter(user=user).exists()


@pytest.mark.parametrize("how", ["set_password", "password_change_view"])
def test_a_password_change_revokes_every_token(client, how):
    user = UserFactory()
    token = token_for(user)
    other = UserFactory()
    kept = token_for(other)
    if how == "set_password":
        user.set_password("An0ther-pass-2026")
        user.save()
    else:
        client.force_login(user)
        response = client.post(
            "/accounts/password/change/",
            {"oldpassword": TEST_PASSWORD, "password1": "An0ther-pass-2026", "password2": "An0ther-pass-2026"},
        )
        assert response.status_code == 302
    assert refused(client_with(token).get("/api/v1/me/"))
    assert client_with(kept).get("/api/v1/me/").status_code == 404


def test_a_password_reset_revokes_every_token(client, mailoutbox):
    user = UserFactory()
    token = token_for(user)
    client.post("/accounts/password/reset/", {"email": user.email})
    link = next(line for line in mailoutbox[0].body.splitlines() if "/reset/key/" in line).strip()
    form = client.get(urlsplit(link).path, follow=True)
    response = client.post(form.redirect_chain[-1][0], {"password1": "Res3t-pass-2026", "password2": "Res3t-pass-2026"})
    assert response.status_code == 302
    assert refused(client_with(token).get("/api/v1/me/"))


def test_the_django_admin_lists_no_tokens(client):
    assert AuthToken not in admin.site._registry
    assert not any(model._meta.app_label == "authtoken" for model in admin.site._registry)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get("/django-admin/knox/authtoken/").status_code == 404
