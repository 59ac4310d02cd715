"""Bad input to the assessments pages and APIs is a clear 4xx with a message, never a 500."""

import zoneinfo
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from rest_framework.test import APIClient

from assessments.models import (
    AdmissionDecision,
    AdmissionPolicy,
    AdmissionRun,
    Answer,
    Attempt,
    DecisionOverride,
    Interview,
    InterviewPlan,
    InterviewSlot,
)
from assessments.services.quizzes import attempt_start
from assessments.tests.factories import QuestionBankFactory, QuestionFactory, QuizFactory
from assessments.tests.test_interviews import _started
from lms import roles
from lms.models import Track
from tests.factories import ParticipantFactory, SeasonFactory, UserFactory

pytestmark = pytest.mark.django_db

BAD_IDS = ["abc", "²", "1.5", "-3", "9" * 40, "0"]


def _role(user, role):
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def staff():
    return _role(UserFactory(username="staff-bad-input"), roles.STAFF)


def _done_run(*participants, published=False):
    season = participants[0].season
    policy = AdmissionPolicy.objects.get_or_create(season=season, track=Track.INTRODUCTORY)[0]
    run = AdmissionRun.objects.create(
        season=season,
        track=policy.track,
        policy=policy,
        policy_version=1,
        policy_content={},
        started_by=_role(UserFactory(), roles.STAFF),
        status="done",
        published_at=timezone.now() if published else None,
    )
    for participant in participants:
        AdmissionDecision.objects.create(
            run=run,
            participant=participant,
            user=participant.user,
            federal_district=participant.federal_district,
            level=participant.level,
            figures={},
            evidence_ids={},
            score=1,
            decision="admitted",
        )
    return run


@pytest.mark.parametrize("value", BAD_IDS)
def test_admission_home_with_a_bad_season_shows_the_page_again_with_a_message(client, staff, value):
    SeasonFactory(name="Сезон для допуска")
    client.force_login(staff)
    response = client.post(reverse("assessments:admission"), {"season": value, "track": "introductory"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Выберите сезон из списка." in html and "Сезон для допуска" in html
    assert AdmissionRun.objects.count() == 0


def test_admission_home_with_a_bad_track_says_which_tracks_there_are(client, staff):
    season = SeasonFactory()
    client.force_login(staff)
    response = client.post(reverse("assessments:admission"), {"season": season.id, "track": "cosmic"})
    assert response.status_code == 400 and "introductory" in response.content.decode()
    assert AdmissionRun.objects.count() == 0


@pytest.mark.parametrize("value", [*BAD_IDS, None])
def test_an_override_of_a_bad_decision_id_shows_the_run_again_with_a_message(client, staff, value):
    participant = ParticipantFactory()
    run = _done_run(participant)
    client.force_login(staff)
    form = {"value": "review", "justification": "Проверка"}
    if value is not None:
        form["decision_id"] = value
    response = client.post(reverse("assessments:admission-run", args=[run.id]), form)
    assert response.status_code == 400
    html = response.content.decode()
    assert "В этом расчёте нет такого решения." in html and f'data-testid="decision-{participant.id}"' in html
    assert DecisionOverride.objects.count() == 0


def test_an_override_of_another_runs_decision_is_refused(client, staff):
    first, second = ParticipantFactory(), ParticipantFactory()
    run, other = _done_run(first), _done_run(second)
    client.force_login(staff)
    response = client.post(
        reverse("assessments:admission-run", args=[run.id]),
        {"decision_id": other.decisions.get().id, "value": "review", "justification": "Проверка"},
    )
    assert response.status_code == 400 and DecisionOverride.objects.count() == 0


def test_an_override_without_justification_shows_the_page_again_with_400(client, staff):
    participant = ParticipantFactory()
    run = _done_run(participant)
    client.force_login(staff)
    decision = run.decisions.get()
    response = client.post(
        reverse("assessments:admission-run", args=[run.id]),
        {"decision_id": str(decision.id), "value": "review", "justification": "  "},
    )
    assert response.status_code == 400 and "Объясните" in response.content.decode()
    ok = client.post(
        reverse("assessments:admission-run", args=[run.id]),
        {"decision_id": str(decision.id), "value": "review", "justification": "Справка"},
    )
    assert ok.status_code == 302 and DecisionOverride.objects.get().value == "review"


@pytest.fixture
def admitted(db):
    season = SeasonFactory()
    InterviewPlan.objects.create(season=season, offers_online=True, offers_offline=True)
    participant = ParticipantFactory(season=season)
    _done_run(participant, published=True)
    expert = _role(UserFactory(username="expert-bad-input"), roles.EXPERT)
    slot = InterviewSlot.objects.create(
        season=season,
        expert=expert,
        starts_at=timezone.now() + timedelta(days=3),
        ends_at=timezone.now() + timedelta(days=3, minutes=30),
    )
    return participant, slot


@pytest.mark.parametrize(
    ("form", "message"),
    [
        *[({"slot": value}, "Такого слота для собеседования нет") for value in BAD_IDS if value != "0"],
        ({"slot": "424242"}, "Такого слота для собеседования нет"),
        ({"meeting": "abc"}, "Выберите слот для собеседования или встречу"),
        ({"meeting": "424242"}, "Выберите слот для собеседования или встречу"),
        ({}, "Выберите слот для собеседования или встречу"),
    ],
)
def test_booking_with_a_bad_slot_or_meeting_shows_the_cabinet_again_with_a_message(client, admitted, form, message):
    participant, slot = admitted
    client.force_login(participant.user)
    response = client.post(reverse("assessments:interview-book"), form)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and f'value="{slot.id}"' in html  # the cabinet with its booking forms
    assert Interview.objects.count() == 0
    assert client.post(reverse("assessments:interview-book"), {"slot": str(slot.id)}).status_code == 302
    assert Interview.objects.get().slot == slot


def test_the_scoring_sheet_refuses_a_strange_digit_with_a_message(client, admitted):
    participant, slot = admitted
    interview = Interview.objects.create(participant=participant, slot=slot)
    _started(slot)
    client.force_login(slot.expert)
    url = reverse("assessments:expert-sheet", args=[interview.id])
    form = {f"rubric_{name}": "4" for name in ("motivation", "communication", "knowledge", "initiative")}
    response = client.post(url, {**form, "rubric_knowledge": "²"}, follow=True)
    assert response.status_code == 200 and "Оцените каждый критерий" in response.content.decode()
    assert not interview.sheets.filter(submitted_at__isnull=False).exists()


def test_an_attempt_page_refuses_a_strange_option_number_and_keeps_the_answer(client):
    participant = ParticipantFactory()
    bank = QuestionBankFactory()
    single = QuestionFactory(bank=bank, options=["да", "нет"], correct_options=[0])
    quiz = QuizFactory(season=participant.season, banks=[bank], question_count=1)
    client.force_login(participant.user)
    client.post(reverse("assessments:quiz", args=[quiz.id]))
    attempt = Attempt.objects.get()
    url = reverse("assessments:attempt", args=[attempt.id])
    client.post(url, {f"q{single.id}": "1"})
    response = client.post(url, {f"q{single.id}": "²"}, follow=True)
    assert response.status_code == 200 and "Выберите один вариант" in response.content.decode()
    assert Answer.objects.get().value == 1


@pytest.mark.parametrize("value", ["1e999999999", "-1E+400", "0." + "0" * 30 + "1"])
def test_a_number_answer_too_large_to_grade_is_refused(value):
    from assessments.services.quizzes import answer_save

    participant = ParticipantFactory()
    bank = QuestionBankFactory()
    question = QuestionFactory(bank=bank, kind="number", options=[], correct_options=[], number_answer=5)
    quiz = QuizFactory(season=participant.season, banks=[bank], question_count=1)
    attempt = attempt_start(quiz=quiz, user=participant.user)
    client = APIClient()
    client.force_authenticate(participant.user)
    url = reverse("assessments:answer-save", args=[attempt.id, question.id])
    response = client.put(url, {"value": value}, format="json")
    assert response.status_code == 400 and "не больше 20 цифр" in response.json()["value"][0]
    answer_save(attempt=attempt, question_id=question.id, value="5,0", user=participant.user)
    assert client.post(reverse("assessments:attempt-submit", args=[attempt.id])).json()["score"] == 1.0


def test_expert_slot_list_refuses_a_season_that_is_not_a_number():
    expert = _role(UserFactory(username="expert-slots-bad"), roles.EXPERT)
    client = APIClient()
    client.force_authenticate(expert)
    for value in ("abc", "²", "9" * 40):
        response = client.get(reverse("assessments:expert-slot-list"), {"season": value})
        assert response.status_code == 400 and response.json()["season"]


def test_a_test_not_open_yet_names_the_opening_in_the_participants_own_zone(client):
    participant = ParticipantFactory(timezone="Asia/Vladivostok")
    opens_at = (timezone.now() + timedelta(days=3)).replace(hour=3, minute=30, second=0, microsecond=0)
    quiz = QuizFactory(season=participant.season, opens_at=opens_at, closes_at=opens_at + timedelta(days=7))
    local = timezone.localtime(opens_at, zoneinfo.ZoneInfo("Asia/Vladivostok"))
    expected = date_format(local, "j E Y, H:i")
    assert local.hour == 13 and "13:30" in expected
    with pytest.raises(ValidationError) as error:
        attempt_start(quiz=quiz, user=participant.user)
    message = error.value.message_dict["quiz"][0]
    assert message == f"Тест откроется {expected}."
    assert "+00:00" not in message and "UTC" not in message
    client.force_login(participant.user)
    page = client.post(reverse("assessments:quiz", args=[quiz.id]), follow=True).content.decode()
    assert f"Тест откроется {expected}." in page
