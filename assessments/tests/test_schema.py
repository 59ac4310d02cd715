"""The OpenAPI schema describes every API view without drf-spectacular guessing (no warnings or
errors), so /api/docs/ shows the assessments endpoints with their bodies and answers."""

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_the_whole_schema_generates_without_warnings(tmp_path, capsys):
    # `--fail-on-warn` raises SchemaGenerationError on any warning or error (the views it could not
    # describe are printed to stderr, which pytest shows); `--validate` checks the OpenAPI document.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert "Warning" not in capsys.readouterr().err
    assert "/api/v1/expert/interview-slots/create/" in (tmp_path / "schema.yml").read_text()


def test_the_assessments_views_describe_their_bodies(client, db):
    schema = client.get("/api/schema/?format=json").json()
    paths, components = schema["paths"], schema["components"]["schemas"]
    create = paths["/api/v1/expert/interview-slots/create/"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("ExpertSlotCreateInput")
    assert set(create["responses"]) == {"201", "400", "403", "409"}
    assert {"starts_at", "duration_minutes", "season_id"} <= set(components["ExpertSlotCreateInput"]["required"])
    run = paths["/api/v1/admission-runs/{run_id}/"]["get"]["responses"]["200"]["content"]
    assert {"application/json", "text/csv"} <= set(run)
    assert "deadline" in components["QuizListOutput"]["properties"]
    assert paths["/api/v1/expert/interview-slots/{slot_id}/"]["delete"]["responses"]["409"]["description"]


def test_the_panel_and_results_apis_are_described(client, db):
    schema = client.get("/api/schema/?format=json").json()
    paths, components = schema["paths"], schema["components"]["schemas"]
    assign = paths["/api/v1/offline-meetings/{meeting_id}/panel/participants/"]["post"]
    assert set(assign["responses"]) == {"201", "400", "403", "404", "409"}
    assert assign["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("Input")
    panel = paths["/api/v1/offline-meetings/{meeting_id}/panel/"]["get"]["responses"]["200"]
    assert panel["content"]["application/json"]["schema"]["$ref"].endswith("MeetingPanelOutput")
    assert {"experts", "registered", "unassigned", "seats_left"} <= set(components["MeetingPanelOutput"]["required"])
    assert "put" in paths["/api/v1/offline-meetings/{meeting_id}/panel/experts/"]
    assert "get" in paths["/api/v1/seasons/{season_id}/offline-meetings/"]
    assert "get" in paths["/api/v1/seasons/{season_id}/interview-results/"]
    assert "put" in paths["/api/v1/seasons/{season_id}/interview-results/{participant_id}/"]
    assert "post" in paths["/api/v1/seasons/{season_id}/interview-results/levels/"]
    publish = paths["/api/v1/seasons/{season_id}/interview-results/publish/"]["post"]
    assert set(publish["responses"]) == {"200", "403", "404", "409"}
