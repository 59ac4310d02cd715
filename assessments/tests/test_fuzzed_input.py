"""Inputs a fuzzer sent to the assessments pages and APIs: each is a 4xx with a message, never a
500, and nothing bad is stored."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from assessments.models import Answer, Attempt, DecisionOverride, InterviewSlot
from assessments.services.quizzes import attempt_start
from assessments.tests.factories import QuestionBankFactory, QuestionFactory, QuizFactory
from assessments.tests.test_bad_input import _done_run
from lms import roles
from lms.models import Track
from tests.factories import ParticipantFactory, SeasonFactory, UserFactory

pytestmark = pytest.mark.django_db


def _role(user, role):
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def text_attempt():
    participant = ParticipantFactory()
    bank = QuestionBankFactory()
    question = QuestionFactory(bank=bank, kind="text", options=[], correct_options=[], accepted_answers=["ответ"])
    quiz = QuizFactory(season=participant.season, banks=[bank], question_count=1)
    return participant, question, attempt_start(quiz=quiz, user=participant.user)


def test_a_text_answer_with_a_nul_is_refused_by_the_api_and_the_stored_answer_kept(text_attempt):
    participant, question, attempt = text_attempt
    client = _api(participant.user)
    url = reverse("assessments:answer-save", args=[attempt.id, question.id])
    assert client.put(url, {"value": "ответ"}, format="json").status_code == 200
    response = client.put(url, {"value": "от\u0000вет"}, format="json")
    assert response.status_code == 400 and "NUL" in response.json()["value"][0]
    assert Answer.objects.get().value == "ответ"


def test_a_text_answer_with_a_nul_is_refused_by_the_attempt_page(client, text_attempt):
    participant, question, attempt = text_attempt
    client.force_login(participant.user)
    url = reverse("assessments:attempt", args=[attempt.id])
    client.post(url, {f"q{question.id}": "ответ"})
    response = client.post(url, {f"q{question.id}": "\x00"}, follow=True)
    assert response.status_code == 200 and "символ NUL" in response.content.decode()
    assert Answer.objects.get().value == "ответ"


@pytest.fixture
def staff():
    return _role(UserFactory(username="staff-fuzzed"), roles.STAFF)


def test_an_override_justification_with_a_nul_is_refused_by_the_page_and_the_api(client, staff):
    run = _done_run(ParticipantFactory())
    decision = run.decisions.get()
    client.force_login(staff)
    response = client.post(
        reverse("assessments:admission-run", args=[run.id]),
        {"decision_id": str(decision.id), "value": "admitted", "justification": "\x00"},
    )
    assert response.status_code == 400 and "символ NUL" in response.content.decode()
    api = _api(staff)
    url = reverse("assessments:decision-override", args=[decision.id])
    response = api.post(url, {"decision": "admitted", "justification": "спра\u0000вка"}, format="json")
    assert response.status_code == 400 and response.json()["justification"]
    assert DecisionOverride.objects.count() == 0


@pytest.mark.parametrize("value", [1, 1.5, True, ["справка"], {"a": "b"}])
def test_an_override_justification_must_be_text(staff, value):
    decision = _done_run(ParticipantFactory()).decisions.get()
    url = reverse("assessments:decision-override", args=[decision.id])
    response = _api(staff).post(url, {"decision": "admitted", "justification": value}, format="json")
    assert response.status_code == 400 and response.json()["justification"]
    assert DecisionOverride.objects.count() == 0
    ok = _api(staff).post(url, {"decision": "admitted", "justification": "Справка"}, format="json")
    assert ok.status_code == 201 and DecisionOverride.objects.get().justification == "Справка"


def test_an_override_justification_of_1e999_is_not_saved_as_inf(staff):
    decision = _done_run(ParticipantFactory()).decisions.get()
    url = reverse("assessments:decision-override", args=[decision.id])
    body = '{"decision": "admitted", "justification": 1e999}'
    response = _api(staff).post(url, body, content_type="application/json")
    assert response.status_code == 400 and DecisionOverride.objects.count() == 0


@pytest.fixture
def season():
    today = timezone.localdate()
    return SeasonFactory(interviews_starts_on=today - timedelta(days=3), interviews_ends_on=today + timedelta(days=20))


@pytest.fixture
def expert():
    return _role(UserFactory(username="expert-fuzzed"), roles.EXPERT)


@pytest.mark.parametrize(
    "starts_at", ["9999-12-31T23:59:59", "9999-12-31T23:59:59+00:00", "0001-01-01", "0001-01-01T00:00:00+14:00"]
)
def test_the_slot_api_refuses_a_date_at_the_end_of_the_calendar(season, expert, starts_at):
    response = _api(expert).post(
        reverse("assessments:expert-slot-create"),
        {"season_id": season.id, "starts_at": starts_at, "duration_minutes": 30, "room": "1"},
        format="json",
    )
    assert response.status_code == 400 and response.json()["starts_at"][0]
    assert not InterviewSlot.objects.exists()


def test_the_series_api_refuses_the_last_day_of_the_calendar(season, expert):
    response = _api(expert).post(
        reverse("assessments:expert-slot-series-create"),
        {
            "season_id": season.id,
            "day": "9999-12-31",
            "from_time": "23:00",
            "until_time": "23:59",
            "duration_minutes": 30,
            "room": "1",
        },
        format="json",
    )
    assert response.status_code == 400 and "вне периода собеседований" in response.json()["day"][0]
    assert not InterviewSlot.objects.exists()


@pytest.mark.parametrize(
    "form",
    [
        {"action": "slot", "day": "9999-12-31", "starts": "23:59"},
        {"action": "slot", "day": "0001-01-01", "starts": "00:00"},
        {"action": "series", "day": "9999-12-31", "from_time": "23:00", "until_time": "23:59"},
    ],
)
def test_the_availability_page_refuses_a_date_at_the_end_of_the_calendar(client, season, expert, form):
    client.force_login(expert)
    response = client.post(
        reverse("assessments:expert-availability"),
        {"season": season.id, "duration": "30", "room": "1", "meeting_url": "", **form},
    )
    assert response.status_code == 400 and "вне периода собеседований" in response.content.decode()
    assert not InterviewSlot.objects.exists()


def test_the_availability_page_takes_a_series_time_with_an_offset_as_the_experts_clock(client, season, expert):
    client.force_login(expert)
    day = timezone.localdate() + timedelta(days=5)
    response = client.post(
        reverse("assessments:expert-availability"),
        {
            "action": "series",
            "season": season.id,
            "day": day.isoformat(),
            "from_time": "10:00+05:00",
            "until_time": "11:00",
            "duration": "30",
            "room": "1",
            "meeting_url": "",
        },
    )
    assert response.status_code == 302 and InterviewSlot.objects.filter(expert=expert).count() == 2


def test_a_test_page_is_refused_with_the_reason_to_people_who_do_not_take_it(client):
    participant = ParticipantFactory(track=Track.INTRODUCTORY)
    quiz = QuizFactory(season=participant.season, track=Track.INTRODUCTORY)
    url = reverse("assessments:quiz", args=[quiz.id])
    outsiders = [
        _role(UserFactory(), roles.EDITOR),
        _role(UserFactory(), roles.EXPERT),
        ParticipantFactory(season=participant.season, level="pro", track=Track.ADVANCED).user,
        ParticipantFactory().user,  # another season
    ]
    for user in outsiders:
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 403 and "не входит в вашу программу" in response.content.decode()
        assert client.post(url).status_code == 403
    assert not Attempt.objects.exists()
    for user in (participant.user, _role(UserFactory(), roles.STAFF)):
        client.force_login(user)
        assert client.get(url).status_code == 200
