from datetime import timedelta

import factory
from django.utils import timezone

from assessments.models import Attempt, Question, QuestionBank, QuestionKind, Quiz
from tests.factories import SeasonFactory, UserFactory


class QuestionBankFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuestionBank

    title = factory.Sequence(lambda n: f"Банк {n}")


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    bank = factory.SubFactory(QuestionBankFactory)
    kind = QuestionKind.SINGLE
    text = factory.Sequence(lambda n: f"Вопрос {n}?")
    options = ["да", "нет", "не знаю"]
    correct_options = [0]
    competence = "Право"


class QuizFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Quiz
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Тест {n}")
    season = factory.SubFactory(SeasonFactory)
    track = ""
    question_count = 3
    attempts_allowed = 3
    pass_mark = 0.6
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))

    @factory.post_generation
    def banks(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.banks.set(extracted)


def attempt_closed(*, quiz: Quiz, user, number: int, score: float) -> Attempt:
    now = timezone.now()
    return Attempt.objects.create(
        quiz=quiz,
        user=user,
        number=number,
        seed=number,
        question_ids=[],
        started_at=now - timedelta(minutes=10),
        closed_at=now - timedelta(minutes=number),
        score=score,
        passed=score >= float(quiz.pass_mark),
    )


__all__ = ["QuestionBankFactory", "QuestionFactory", "QuizFactory", "UserFactory", "attempt_closed"]
