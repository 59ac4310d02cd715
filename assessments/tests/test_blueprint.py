"""Skills growth compares like with like: a diagnostic draws the same number of questions of each
competence in every attempt (its blueprint), reproducibly from the seed, and the growth shows only
competences measured at both ends. The cabinet stops asking for a diagnostic already taken."""

from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from assessments.models import Answer, Attempt, Question
from assessments.selectors.quizzes import diagnostics_growth
from assessments.services.quizzes import attempt_start, attempt_submit, questions_draw
from assessments.tests.factories import QuestionBankFactory, QuestionFactory, QuizFactory
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank():
    bank = QuestionBankFactory()
    for competence, count in (("Право", 5), ("Цифра", 4), ("Управление", 1)):
        for _ in range(count):
            QuestionFactory(bank=bank, competence=competence)
    return bank


def _competences(question_ids: list[int]) -> Counter:
    return Counter(Question.objects.get(pk=question_id).competence for question_id in question_ids)


def test_every_draw_takes_the_blueprints_count_per_competence_reproducibly(bank):
    quiz = QuizFactory(banks=[bank], question_count=4, blueprint={"Право": 2, "Цифра": 2})
    draws = [questions_draw(quiz=quiz, seed=seed) for seed in range(25)]
    assert all(_competences(draw) == {"Право": 2, "Цифра": 2} for draw in draws)
    assert draws[7] == questions_draw(quiz=quiz, seed=7)
    assert len({tuple(draw) for draw in draws}) > 1


def test_a_blueprint_the_banks_cannot_fill_refuses_the_attempt(bank):
    participant = ParticipantFactory()
    quiz = QuizFactory(season=participant.season, banks=[bank], question_count=2, blueprint={"Управление": 2})
    with pytest.raises(ValidationError) as refused:
        attempt_start(quiz=quiz, user=participant.user)
    assert "Управление" in str(refused.value) and not Attempt.objects.exists()


@pytest.mark.parametrize(
    ("blueprint", "count", "phase", "message"),
    [
        ({"Право": 2}, 3, "", "в сумме"),
        ({"Право": 0, "Цифра": 3}, 3, "", "хотя бы один"),
        (["Право"], 1, "", "например"),
        ({"Право": "2"}, 2, "", "например"),
        ({}, 3, "start", "Диагностике нужно"),
    ],
)
def test_the_model_refuses_a_blueprint_of_the_wrong_shape(bank, blueprint, count, phase, message):
    quiz = QuizFactory.build(blueprint=blueprint, question_count=count, diagnostic_phase=phase)
    with pytest.raises(ValidationError) as refused:
        quiz.clean()
    assert message in refused.value.message_dict["blueprint"][0]


def _taken(quiz, user, right: set[str]) -> Attempt:
    attempt = attempt_start(quiz=quiz, user=user)
    for question in Question.objects.filter(id__in=attempt.question_ids):
        Answer.objects.create(attempt=attempt, question=question, value=0, correct=question.competence in right)
    attempt.closed_at = timezone.now()
    attempt.save(update_fields=["closed_at"])
    return attempt


def test_growth_only_for_competences_measured_at_both_ends(bank):
    participant = ParticipantFactory()
    start = QuizFactory(
        season=participant.season,
        banks=[bank],
        question_count=3,
        diagnostic_phase="start",
        required=False,
        blueprint={"Право": 2, "Управление": 1},
    )
    end = QuizFactory(
        season=participant.season,
        banks=[bank],
        question_count=4,
        diagnostic_phase="end",
        required=False,
        blueprint={"Право": 2, "Цифра": 2},
    )
    _taken(start, participant.user, right=set())
    assert [quiz.id for quiz in diagnostics_growth(participant=participant)["pending"]] == [end.id]
    _taken(end, participant.user, right={"Право"})
    growth = diagnostics_growth(participant=participant)
    assert [(row["competence"], row["start"], row["end"]) for row in growth["rows"]] == [("Право", 0, 100)]
    assert growth["unmeasured"] == ["Управление", "Цифра"] and growth["pending"] == []


def test_the_cabinet_stops_asking_for_a_diagnostic_taken(bank, client):
    participant = ParticipantFactory()
    start = QuizFactory(
        season=participant.season,
        title="Входная диагностика",
        banks=[bank],
        question_count=2,
        diagnostic_phase="start",
        required=False,
        blueprint={"Право": 1, "Цифра": 1},
        attempts_allowed=1,
    )
    end = QuizFactory(
        season=participant.season,
        title="Итоговая диагностика",
        banks=[bank],
        question_count=2,
        diagnostic_phase="end",
        required=False,
        blueprint={"Право": 1, "Цифра": 1},
        attempts_allowed=1,
    )
    client.force_login(participant.user)
    pending = client.get(reverse("cabinet")).content.decode().split('data-testid="diagnostics-pending"')[1]
    assert "Входная диагностика" in pending.split("</ul>")[0]
    attempt_submit(attempt=attempt_start(quiz=start, user=participant.user), user=participant.user)
    page = client.get(reverse("cabinet")).content.decode()
    pending = page.split('data-testid="diagnostics-pending"')[1].split("</ul>")[0]
    assert "Входная диагностика" not in pending and "Итоговая диагностика" in pending
    assert "пройдена" in page.split(f'data-testid="quiz-state-{start.id}"')[1].split("</span>")[0]
    assert "срок" in page.split(f'data-testid="quiz-state-{end.id}"')[1].split("</span>")[0]
