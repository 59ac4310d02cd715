"""Requests no form would send: each gets a 4xx that says what is wrong, never a 500."""

import pytest
from django.core.exceptions import PermissionDenied

from media.tokens import playback_token_check
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DEEP_JSON = "[" * 1000 + "]" * 1000


@pytest.mark.parametrize("token", ["².1.x", "1.².x", "9" * 5000 + ".1.x", "1." + "9" * 5000 + ".x"])
def test_a_video_token_with_odd_digits_is_refused_as_invalid(token):
    with pytest.raises(PermissionDenied):
        playback_token_check(token=token, asset_id=1, user_id=1)


@pytest.mark.parametrize("ids", ["²", "9" * 5000, "1,²"])
def test_video_status_with_odd_ids_is_a_400(client, ids):
    client.force_login(UserFactory(is_superuser=True))
    response = client.get("/api/v1/videos/status/", {"ids": ids})
    assert response.status_code == 400 and "ids" in response.json()


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/applications/", '{"season": 1e999}'),
        ("/api/v1/applications/", DEEP_JSON),
        ("/api/v1/auth/token/", DEEP_JSON),
    ],
)
def test_json_out_of_range_or_nested_too_deep_is_a_400_with_a_message(client, path, body):
    response = client.post(path, body, content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_a_beat_nested_too_deep_is_refused_not_a_500(client):
    response = client.post("/api/v1/lectures/1/progress/", DEEP_JSON, content_type="application/json")
    assert 400 <= response.status_code < 500


def test_the_api_docs_page_answers_only_get(client):
    assert client.options("/api/docs/").status_code == 405
    assert client.get("/api/docs/").status_code == 200


def test_error_pages_are_the_sites_own_and_say_why(client):
    page = client.get("/no-such-page-here/")
    assert page.status_code == 404 and "Страница не найдена" in page.content.decode()
    client.force_login(UserFactory())
    denied = client.get("/courses/staff/lectures/")
    assert denied.status_code == 403 and "Доступ закрыт" in denied.content.decode()
