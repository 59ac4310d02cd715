"""Query counts of the lists the review options added — a participant's attempts on the test page,
the questions of an attempt's result, the diagnostics' competences — at N and N+1 rows (house
rule): the number must not grow with the rows."""

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Answer, Attempt
from assessments.selectors.quizzes import diagnostics_growth
from assessments.tests.factories import QuestionBankFactory, QuestionFactory, QuizFactory
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db


def _closed_attempt(quiz, user, number: int, questions) -> Attempt:
    now = timezone.now()
    attempt = Attempt.objects.create(
        quiz=quiz,
        user=user,
        number=number,
        seed=number,
        question_ids=[q.id for q in questions],
        started_at=now,
        closed_at=now,
        score=0.5,
        passed=False,
    )
    Answer.objects.bulk_create(Answer(attempt=attempt, question=q, value=0, correct=True) for q in questions)
    return attempt


def test_the_test_page_lists_attempts_in_a_fixed_number_of_queries(client, django_assert_num_queries):
    participant = ParticipantFactory()
    quiz = QuizFactory(season=participant.season, attempts_allowed=5, key_shown="closed")
    client.force_login(participant.user)
    url = reverse("assessments:quiz", args=[quiz.id])
    _closed_attempt(quiz, participant.user, 1, [])
    client.get(url)  # warm the session and the site settings caches
    # user (1; the session comes from the cache), the test (1), staff group (1), participant_current
    # for the access check (1), open attempts (1), quiz_standing: attempts, own deadline, latest deadline (3); the page
    # frame's programme settings come from the cache (cms.selectors)
    with django_assert_num_queries(8):
        assert client.get(url).status_code == 200
    _closed_attempt(quiz, participant.user, 2, [])
    with django_assert_num_queries(8):
        assert "Попытка 2" in client.get(url).content.decode()


def test_an_attempts_result_reads_its_questions_in_a_fixed_number_of_queries(api_client, django_assert_num_queries):
    participant = ParticipantFactory()
    bank = QuestionBankFactory()
    questions = [QuestionFactory(bank=bank) for _ in range(3)]
    quiz = QuizFactory(season=participant.season, banks=[bank], attempts_allowed=1, key_shown="immediately")
    api_client.force_authenticate(participant.user)
    small = _closed_attempt(quiz, participant.user, 1, questions[:2])
    # the attempt with its test (1), questions (1), answers (1), quiz_standing (3)
    with django_assert_num_queries(6):
        body = api_client.get(reverse("assessments:attempt-detail", args=[small.id])).json()
    assert len(body["questions"]) == 2 and body["review"]["key"]
    Attempt.objects.all().delete()
    large = _closed_attempt(quiz, participant.user, 1, questions)
    with django_assert_num_queries(6):
        assert len(api_client.get(reverse("assessments:attempt-detail", args=[large.id])).json()["questions"]) == 3


def test_the_growth_reads_its_competences_in_a_fixed_number_of_queries(django_assert_num_queries):
    participant = ParticipantFactory()
    bank = QuestionBankFactory()
    start = QuizFactory(season=participant.season, banks=[bank], diagnostic_phase="start", required=False)
    end = QuizFactory(season=participant.season, banks=[bank], diagnostic_phase="end", required=False)

    def competences(count: int) -> None:
        Attempt.objects.all().delete()
        questions = [QuestionFactory(bank=bank, competence=f"Компетенция {n}") for n in range(count)]
        for quiz in (start, end):
            _closed_attempt(quiz, participant.user, 1, questions)

    competences(2)
    diagnostics_growth(participant=participant)  # a page: the track's tests are then in the pages' cache
    # the participant's attempts (1), competences of their questions (1), answers (1)
    with django_assert_num_queries(3):
        assert len(diagnostics_growth(participant=participant)["rows"]) == 2
    competences(3)
    with django_assert_num_queries(3):
        assert len(diagnostics_growth(participant=participant)["rows"]) == 3
