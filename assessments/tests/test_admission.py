import csv
import hashlib
import io
import json

import pytest
from django.core import mail
from django.urls import reverse
from openpyxl import load_workbook

from assessments.models import AdmissionDecision, AdmissionPolicy, AdmissionRun, DecisionOverride, ExpertAssignment
from assessments.models.admission import ImmutableError
from assessments.policy import outcomes_decide
from assessments.selectors.admission import snapshot_lines
from assessments.services.admission import admission_run_execute, admission_run_start
from assessments.services.admission_policy import admission_policy_save
from assessments.tests.conftest import EXAMPLE
from assessments.tests.factories import QuizFactory, attempt_closed
from lms import roles
from lms.models import Track
from tests.factories import ParticipantFactory, SeasonFactory, UserFactory

pytestmark = pytest.mark.django_db

POLICY = {"rules": [{"module": "a", "min": 1.0}, {"module": "b", "min": 0.7}], "borderline_band": 0.1, "weights": {}}


def decide(figures, policy=POLICY, districts=None):
    return outcomes_decide(
        policy={"capacity": None, "capacity_scope": "overall", **policy},
        figures=figures,
        summaries={pid: {} for pid in figures},
        labels={"a": "A", "b": "B"},
        districts=districts or {},
        district_labels={},
    )


def test_policy_admits_refuses_and_sends_the_borderline_to_review():
    outcomes = decide({1: {"a": 1.0, "b": 0.7}, 2: {"a": 1.0, "b": 0.65}, 3: {"a": 0.9, "b": 1.0}, 4: {"a": 0.5}})
    assert outcomes[1].decision == "admitted"
    assert outcomes[2].decision == "review"
    assert outcomes[3].decision == "review"  # 0.9 is within 0.1 of the minimum 1.0
    assert outcomes[4].decision == "not_admitted"
    assert any("ниже минимума 70%" in reason for reason in outcomes[4].reasons)


def test_policy_capacity_per_district_ranks_by_weights_and_ties_by_id():
    policy = {**POLICY, "borderline_band": 0, "weights": {"b": 1}, "capacity": 1, "capacity_scope": "district"}
    figures = {1: {"a": 1, "b": 0.8}, 2: {"a": 1, "b": 0.9}, 3: {"a": 1, "b": 0.8}, 4: {"a": 1, "b": 0.8}}
    outcomes = decide(figures, policy, districts={1: "central", 2: "central", 3: "volga", 4: "volga"})
    assert [outcomes[i].decision for i in (1, 2, 3, 4)] == ["not_admitted", "admitted", "admitted", "not_admitted"]
    assert outcomes[4].rank == 2 and "число мест (volga) — 1" in outcomes[4].reasons[-1]


@pytest.fixture
def tests_only_season(settings):
    """A season whose policy asks every required test and the example module."""
    settings.ASSESSMENTS_SCORE_MODULES = [EXAMPLE]
    season = SeasonFactory()
    quiz = QuizFactory(season=season, title="Итоговый", pass_mark=0.6)
    policy = AdmissionPolicy(
        season=season,
        track=Track.INTRODUCTORY,
        rules=[{"module": "tests", "min": 1.0}, {"module": "community", "min": 1.0}],
        borderline_band=0,
    )
    admission_policy_save(policy=policy)
    return season, quiz


def _participant(season, quiz, *, score, community=True):
    participant = ParticipantFactory(season=season, application__youth_organisations=community)
    if score is not None:
        attempt_closed(quiz=quiz, user=participant.user, number=1, score=score)
    return participant


@pytest.fixture
def staff():
    from django.contrib.auth.models import Group

    user = UserFactory(username="staff-member")
    user.groups.add(Group.objects.get_or_create(name=roles.STAFF)[0])
    return user


def _run(season, staff, django_capture_on_commit_callbacks) -> AdmissionRun:
    with django_capture_on_commit_callbacks(execute=True):
        run = admission_run_start(season=season, track=Track.INTRODUCTORY, user=staff)
    run.refresh_from_db()
    assert run.error == ""
    return run


def test_run_snapshot_explains_each_decision_and_is_reproducible(
    tests_only_season, staff, django_capture_on_commit_callbacks
):
    season, quiz = tests_only_season
    passed = _participant(season, quiz, score=0.9)
    failed = _participant(season, quiz, score=0.3)
    lonely = _participant(season, quiz, score=0.9, community=False)
    first = _run(season, staff, django_capture_on_commit_callbacks)
    second = _run(season, staff, django_capture_on_commit_callbacks)
    assert first.status == second.status == "done" and first.progress == 100
    assert first.content_hash and first.content_hash == second.content_hash
    decisions = {line["participant_id"]: line for line in snapshot_lines(run=first)}
    assert decisions[passed.id]["decision"] == "admitted"
    assert decisions[failed.id]["decision"] == "not_admitted"
    assert decisions[lonely.id]["decision"] == "not_admitted"
    assert "Итоговый, 30% из 60% нужных" in " ".join(decisions[failed.id]["evidence"]["tests"]["missing"])
    assert first.policy_content["rules"][0] == {"module": "tests", "min": 1.0}

    # New data, new snapshot: the hash follows the content.
    attempt_closed(quiz=quiz, user=failed.user, number=2, score=1.0)
    third = _run(season, staff, django_capture_on_commit_callbacks)
    assert third.content_hash != first.content_hash


def _hash_of_stored_lines(run: AdmissionRun) -> str:
    """The content hash by its definition: one json.dumps of the policy and the stored lines, put
    back together from the evidence they share."""
    rows = snapshot_lines(run=run)
    text = json.dumps({"policy": run.policy_content, "decisions": rows}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def test_hash_is_the_json_of_the_stored_snapshot_also_with_a_capacity(
    tests_only_season, staff, django_capture_on_commit_callbacks
):
    """The run assembles the hashed text from pieces shared between participants; it must be the
    very text one json.dumps of the stored lines gives (quotes and Cyrillic in the texts, ranks,
    capacity lines added to shared reasons)."""
    season, quiz = tests_only_season
    quiz.title = 'Итоговый "финал"'
    quiz.save()
    admitted = [_participant(season, quiz, score=0.9) for _i in range(3)]
    _participant(season, quiz, score=0.3)
    run = _run(season, staff, django_capture_on_commit_callbacks)
    assert run.content_hash == _hash_of_stored_lines(run)

    policy = AdmissionPolicy.objects.get(season=season)
    policy.capacity = 2
    admission_policy_save(policy=policy)
    run = _run(season, staff, django_capture_on_commit_callbacks)
    assert run.content_hash == _hash_of_stored_lines(run)
    lines = {line["participant_id"]: line for line in snapshot_lines(run=run)}
    assert [lines[p.id]["decision"] for p in admitted] == ["admitted", "admitted", "not_admitted"]
    assert [lines[p.id]["rank"] for p in admitted] == [1, 2, 3]
    # The shared reasons kept their own lines; each participant got their own capacity line.
    assert lines[admitted[0].id]["reasons"][:-1] == lines[admitted[2].id]["reasons"][:-1]
    assert "1" in lines[admitted[0].id]["reasons"][-1] and "3" in lines[admitted[2].id]["reasons"][-1]


def test_snapshot_refuses_edits(tests_only_season, staff, django_capture_on_commit_callbacks):
    season, quiz = tests_only_season
    _participant(season, quiz, score=0.9)
    run = _run(season, staff, django_capture_on_commit_callbacks)
    decision = run.decisions.get()
    decision.decision = "not_admitted"
    with pytest.raises(ImmutableError):
        decision.save()
    with pytest.raises(ImmutableError):
        AdmissionDecision.objects.filter(run=run).update(decision="review")
    with pytest.raises(ImmutableError):
        decision.delete()
    run.policy_content = {}
    with pytest.raises(ImmutableError):
        run.save()
    assert AdmissionDecision.objects.get(pk=decision.pk).decision == "admitted"


def test_policy_edit_bumps_the_version_and_a_run_keeps_its_own(
    tests_only_season, staff, django_capture_on_commit_callbacks
):
    season, quiz = tests_only_season
    _participant(season, quiz, score=0.5)
    policy = AdmissionPolicy.objects.get(season=season)
    run_v1 = _run(season, staff, django_capture_on_commit_callbacks)
    policy.borderline_band = 0.2
    policy = admission_policy_save(policy=policy)
    assert policy.version == 2
    assert admission_policy_save(policy=policy).version == 2  # no change, no new version
    run_v2 = _run(season, staff, django_capture_on_commit_callbacks)
    assert (run_v1.policy_version, run_v2.policy_version) == (1, 2)
    assert run_v1.policy_content["borderline_band"] == 0 and run_v2.policy_content["borderline_band"] == 0.2


def test_policy_rejects_unknown_modules(tests_only_season):
    from django.core.exceptions import ValidationError

    season, _quiz = tests_only_season
    policy = AdmissionPolicy.objects.get(season=season)
    policy.rules = [{"module": "astrology", "min": 0.5}]
    with pytest.raises(ValidationError, match="astrology"):
        admission_policy_save(policy=policy)
    assert AdmissionPolicy.objects.get(season=season).version == 1


def test_run_query_count_is_fixed_whatever_the_number_of_participants(
    tests_only_season, staff, django_assert_num_queries
):
    season, quiz = tests_only_season
    for _i in range(3):
        _participant(season, quiz, score=0.9)

    def measured():
        run = AdmissionRun.objects.create(
            season=season,
            track=Track.INTRODUCTORY,
            policy=AdmissionPolicy.objects.get(season=season),
            policy_version=1,
            policy_content=AdmissionPolicy.objects.get(season=season).content(),
            started_by=staff,
        )
        # claim (1), re-fetch the run (1), progress (2); the reads: savepoint + their settings +
        # release (3), participants (1), required tests (1), counting scores grouped (1), the
        # example module's application forms (1); the write: savepoint + the run's conditional
        # update + the shared evidence + release (4). The decisions go in with one COPY, which
        # Django's counter does not see (the test below checks they are there)
        with django_assert_num_queries(15):
            admission_run_execute(run_id=run.id)
        return run

    measured()
    _participant(season, quiz, score=0.2)
    _participant(season, quiz, score=None)
    run = measured()
    assert run.decisions.count() == 5


def test_override_is_audited_publish_shows_it_and_emails_after_commit(
    tests_only_season, staff, api_client, django_capture_on_commit_callbacks
):
    season, quiz = tests_only_season
    participant = _participant(season, quiz, score=0.3)
    run = _run(season, staff, django_capture_on_commit_callbacks)
    decision = run.decisions.get()
    api_client.force_authenticate(staff)
    url = reverse("assessments:decision-override", args=[decision.id])
    assert api_client.post(url, {"decision": "admitted", "justification": ""}, format="json").status_code == 400
    assert api_client.post(url, {"decision": "maybe", "justification": "x"}, format="json").status_code == 400
    response = api_client.post(url, {"decision": "admitted", "justification": "Болел, справка"}, format="json")
    assert response.status_code == 201 and response.json()["created_by"] == "staff-member"
    override = DecisionOverride.objects.get()
    assert override.created_by == staff and override.created_at

    detail = api_client.get(reverse("assessments:run-detail", args=[run.id])).json()
    line = detail["decisions"][0]
    assert (line["decision"], line["override_value"], line["effective"]) == ("not_admitted", "admitted", "admitted")

    with django_capture_on_commit_callbacks(execute=True):
        # The test closes in a week: the run is provisional and is published with a reason.
        publish = reverse("assessments:run-publish", args=[run.id])
        assert api_client.post(publish, {"reason": "Итог нужен до собеседований"}, format="json").status_code == 200
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [participant.user.email]
    assert "Допущен" in mail.outbox[0].body
    assert api_client.post(reverse("assessments:run-publish", args=[run.id])).status_code == 400

    api_client.force_authenticate(participant.user)
    mine = api_client.get(reverse("assessments:me-admission")).json()
    assert mine["published"] and mine["decision"] == "admitted" and mine["overridden"]


def test_export_csv_and_xlsx(tests_only_season, staff, api_client, django_capture_on_commit_callbacks):
    season, quiz = tests_only_season
    _participant(season, quiz, score=0.9)
    run = _run(season, staff, django_capture_on_commit_callbacks)
    api_client.force_authenticate(staff)
    url = reverse("assessments:run-detail", args=[run.id])
    response = api_client.get(url, {"format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    # Read like the candidates export: Russian headers and values, figures as percentages.
    assert rows[0][:3] == ["ID участника", "Участник", "Электронная почта"] and rows[1][14] == "Допущен к собеседованию"
    assert rows[0][-2:] == ["Опыт в сообществах, %", "Тесты, %"] and rows[1][-1] == "100.0"
    response = api_client.get(url, {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(row=2, column=15).value == "Допущен к собеседованию"


def test_who_may_read_what(tests_only_season, staff, api_client, django_capture_on_commit_callbacks):
    from django.contrib.auth.models import Group

    season, quiz = tests_only_season
    mine = _participant(season, quiz, score=0.9)
    other = _participant(season, quiz, score=0.1)
    expert = UserFactory(username="expert-one")
    expert.groups.add(Group.objects.get_or_create(name=roles.EXPERT)[0])
    ExpertAssignment.objects.create(expert=expert, participant=mine)
    run = _run(season, staff, django_capture_on_commit_callbacks)

    def completeness(user, participant):
        api_client.force_authenticate(user)
        return api_client.get(reverse("assessments:participant-completeness", args=[participant.id])).status_code

    assert completeness(mine.user, mine) == 200
    assert completeness(mine.user, other) == 403
    assert completeness(expert, mine) == 200
    assert completeness(expert, other) == 403
    assert completeness(staff, other) == 200

    api_client.force_authenticate(expert)
    decisions = api_client.get(reverse("assessments:run-detail", args=[run.id])).json()["decisions"]
    assert [d["participant_id"] for d in decisions] == [mine.id]
    api_client.force_authenticate(mine.user)
    assert api_client.get(reverse("assessments:run-detail", args=[run.id])).status_code == 403
    assert (
        api_client.post(
            reverse("assessments:run-create", args=[season.id]), {"track": "introductory"}, format="json"
        ).status_code
        == 403
    )


def test_run_api_starts_a_run_and_refuses_bad_tracks(
    tests_only_season, staff, api_client, django_capture_on_commit_callbacks
):
    season, quiz = tests_only_season
    _participant(season, quiz, score=0.9)
    api_client.force_authenticate(staff)
    url = reverse("assessments:run-create", args=[season.id])
    assert api_client.post(url, {"track": "cosmic"}, format="json").status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(url, {"track": "introductory"}, format="json")
    assert response.status_code == 201
    detail = api_client.get(reverse("assessments:run-detail", args=[response.json()["id"]])).json()
    assert detail["status"] == "done" and detail["decisions"][0]["effective"] == "admitted"


def test_me_completeness_names_what_is_missing(tests_only_season, api_client):
    season, quiz = tests_only_season
    participant = _participant(season, quiz, score=0.3)
    api_client.force_authenticate(participant.user)
    body = api_client.get(reverse("assessments:me-completeness")).json()
    tests = next(item for item in body["modules"] if item["module"] == "tests")
    assert tests["value"] == 0.0 and not tests["meets_minimum"]
    assert tests["missing"] == ["Не сдан: Итоговый, 30% из 60% нужных"]


def test_decision_list_query_count(
    tests_only_season, staff, api_client, django_capture_on_commit_callbacks, django_assert_num_queries
):
    season, quiz = tests_only_season
    _participant(season, quiz, score=0.9)
    run = _run(season, staff, django_capture_on_commit_callbacks)
    from assessments.selectors.admission import decisions_effective

    # the decisions with their latest override as subqueries (1), the participants' names from
    # lms's selector (1), the run's shared evidence for the reasons (1); staff need no assignment
    # filter (the role check is one more: user_has_role)
    with django_assert_num_queries(4):
        assert len(decisions_effective(run=run, user=staff)) == 1
    _participant(season, quiz, score=0.2)
    run = _run(season, staff, django_capture_on_commit_callbacks)
    with django_assert_num_queries(4):
        assert len(decisions_effective(run=run, user=staff)) == 2


def test_the_django_admin_shows_a_decision_with_its_reasons_and_the_shared_evidence(
    tests_only_season, staff, client, django_capture_on_commit_callbacks
):
    season, quiz = tests_only_season
    _participant(season, quiz, score=0.3)
    run = _run(season, staff, django_capture_on_commit_callbacks)
    decision = run.decisions.get()
    assert set(decision.evidence_ids) == {"community", "tests"} and decision.rank_reason == ""
    admin = UserFactory(username="admin-one", is_staff=True, is_superuser=True)
    client.force_login(admin)
    page = client.get(f"/django-admin/assessments/admissiondecision/{decision.id}/change/").content.decode()
    (line,) = snapshot_lines(run=run)
    assert line["reasons"] and all(reason in page for reason in line["reasons"])  # put back together
    evidence = client.get(f"/django-admin/assessments/admissionevidence/{decision.evidence_ids['tests']}/change/")
    assert evidence.status_code == 200
