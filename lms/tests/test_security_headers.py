"""The security headers of our pages and of the two admins."""

import pytest

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, set[str]]:
    policy = response["Content-Security-Policy"]
    return {name: set(values) for name, *values in (part.split() for part in policy.split(";") if part.strip())}


@pytest.mark.parametrize("path", ["/accounts/login/", "/apply/", "/api/docs/", "/api/docs/?script="])
def test_our_pages_allow_no_inline_script_or_style(client, path):
    response = client.get(path)
    assert response.status_code == 200
    policy = directives(response)
    assert policy["script-src"] == {"'self'"} and policy["style-src"] == {"'self'"}
    assert policy["object-src"] == {"'none'"} and policy["frame-ancestors"] == {"'none'"}
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response["Permissions-Policy"] and "microphone=()" in response["Permissions-Policy"]


def test_the_api_docs_are_swagger_ui_split_with_no_inline_code(client):
    html = client.get("/api/docs/").content.decode()
    assert "<script>" not in html and "<style>" not in html and "?script=" in html.replace("&amp;", "&")
    script = client.get("/api/docs/?script=")
    assert script["Content-Type"].startswith("application/javascript") and b"SwaggerUIBundle" in script.content


@pytest.mark.parametrize("path", ["/cms/login/", "/django-admin/login/"])
def test_the_admins_have_their_own_narrow_policy(client, path):
    policy = directives(client.get(path))
    assert policy["script-src"] == {"'self'", "'unsafe-inline'"}
    assert policy["connect-src"] == {"'self'"} and policy["object-src"] == {"'none'"}
    assert policy["frame-ancestors"] == {"'self'"}
