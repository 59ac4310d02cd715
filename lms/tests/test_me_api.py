from datetime import date

import pytest

from tests.factories import TEST_PASSWORD, ParticipantFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_token_then_me(api_client):
    participant = ParticipantFactory(level="pro", application__region_code="41")
    token = api_client.post(
        "/api/v1/auth/token/", {"username": participant.user.username, "password": TEST_PASSWORD}, format="json"
    )
    assert token.status_code == 200
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    me = api_client.get("/api/v1/me/")
    assert me.status_code == 200
    body = me.json()
    assert body["season"] == {"id": participant.season_id, "name": participant.season.name}
    assert (body["level"], body["track"]) == ("pro", "advanced")
    assert body["timezone"] == "Asia/Kamchatka"
    assert body["federal_district"] == "far_eastern"


def test_wrong_password_gets_a_400(api_client):
    user = UserFactory()
    response = api_client.post("/api/v1/auth/token/", {"username": user.username, "password": "nope"}, format="json")
    assert response.status_code == 400
    assert response.json()["non_field_errors"]


def test_me_needs_authentication(api_client):
    assert api_client.get("/api/v1/me/").status_code in (401, 403)


def test_me_for_a_non_participant_is_a_404_with_a_message(api_client):
    api_client.force_authenticate(UserFactory())
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_me_shows_the_latest_season(api_client):
    older = ParticipantFactory(season__campaign_starts_on=date(2025, 5, 1), season__campaign_ends_on=date(2025, 8, 31))
    newer = ParticipantFactory(application__user=older.user)
    api_client.force_authenticate(older.user)
    assert api_client.get("/api/v1/me/").json()["season"]["id"] == newer.season_id


def test_schema_and_docs_are_served_without_a_cdn(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/applications/" in schema.content and b"/cms/api" not in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()
    assert "/static/drf_spectacular_sidecar/" in html


def test_participant_changes_their_time_zone(api_client):
    participant = ParticipantFactory()
    api_client.force_authenticate(participant.user)
    response = api_client.patch("/api/v1/me/", {"timezone": "Asia/Kamchatka"}, format="json")
    assert response.status_code == 200 and response.json()["timezone"] == "Asia/Kamchatka"
    participant.refresh_from_db()
    assert participant.timezone == "Asia/Kamchatka"


def test_an_unknown_time_zone_is_refused_and_nothing_changes(api_client):
    participant = ParticipantFactory()
    api_client.force_authenticate(participant.user)
    response = api_client.patch("/api/v1/me/", {"timezone": "Mars/Olympus"}, format="json")
    assert response.status_code == 400 and "Mars/Olympus" in response.json()["timezone"][0]
    participant.refresh_from_db()
    assert participant.timezone == "Europe/Moscow"


def test_the_schema_describes_the_plain_hot_path_views(client):
    schema = client.get("/api/schema/?format=json").json()
    progress = schema["paths"]["/api/v1/lectures/{lecture_id}/progress/"]["post"]
    assert progress["requestBody"]["content"]["application/json"]["schema"]["required"] == [
        "playback_id",
        "seq",
        "from",
        "to",
        "rate",
        "visible",
    ]
    assert "/api/v1/live-sessions/{session_id}/presence/" in schema["paths"]


def test_nested_serializers_get_distinct_component_names(client):
    components = client.get("/api/schema/?format=json").json()["components"]["schemas"]
    assert "Output" not in components
    assert {"MeDetailOutput", "ApplicationCreateOutput", "ApplicationCreateInput"} <= set(components)
    assert components["MeDetailOutput"]["properties"]["season"]["$ref"].endswith("MeDetailOutputSeason")
