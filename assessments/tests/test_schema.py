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
