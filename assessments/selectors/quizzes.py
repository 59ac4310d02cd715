from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from assessments.models import Answer, Attempt, Question, Quiz, QuizDeadlineExtension
from assessments.models.quizzes import DiagnosticPhase, ResultsShown

if TYPE_CHECKING:
    from lms.models import Participant


def quiz_list_for_participant(*, participant: "Participant") -> QuerySet[Quiz]:
    """The participant's tests, each with `deadline`: theirs, an extension applied (`extended_deadline`
    is set only when an extension moves it), in the same query."""
    return with_deadline_for(
        Quiz.objects.filter(season_id=participant.season_id, track__in=[participant.track, ""]),
        user_id=participant.user_id,
    ).order_by("closes_at", "id")


def with_deadline_for(quizzes: QuerySet[Quiz], *, user_id: int) -> QuerySet[Quiz]:
    """An extension counts only while it is later than the test's deadline: if the editor later
    moves the deadline past it, the test's own deadline stands; a test without a deadline has none."""
    extension = QuizDeadlineExtension.objects.filter(
        quiz=OuterRef("pk"), user_id=user_id, deadline__gt=OuterRef("closes_at")
    ).values("deadline")[:1]
    return quizzes.annotate(extended_deadline=Subquery(extension)).annotate(
        deadline=Coalesce("extended_deadline", "closes_at")
    )


def quiz_deadline_for(*, quiz: Quiz, user_id: int) -> datetime | None:
    """One participant's deadline for one test, an extension applied."""
    if quiz.closes_at is None:
        return None
    extended = (
        QuizDeadlineExtension.objects.filter(quiz=quiz, user_id=user_id, deadline__gt=quiz.closes_at)
        .values_list("deadline", flat=True)
        .first()
    )
    return extended or quiz.closes_at


def attempt_list(*, quiz: Quiz, user: AbstractBaseUser) -> QuerySet[Attempt]:
    return Attempt.objects.filter(quiz=quiz, user=user).order_by("number")


def attempt_detail(*, attempt: Attempt) -> dict:
    """What the participant may see of an attempt: questions without their keys while it is open;
    after it closes, the score and the correct answers as the editor chose."""
    questions = Question.objects.in_bulk(attempt.question_ids)
    answers = {a.question_id: a for a in Answer.objects.filter(attempt=attempt)}
    closed = attempt.closed_at is not None
    shown = attempt.quiz.results_shown
    items = []
    for question_id in attempt.question_ids:
        question, answer = questions[question_id], answers.get(question_id)
        item = {
            "id": question.id,
            "kind": question.kind,
            "text": question.text,
            "options": question.options,
            "answer": answer.value if answer else None,
        }
        if closed and shown == ResultsShown.ANSWERS:
            item["correct"] = answer.correct if answer else False
            item["key"] = {
                "single": question.correct_options,
                "multiple": question.correct_options,
                "number": str(question.number_answer),
                "text": question.accepted_answers,
            }[question.kind]
        items.append(item)
    remaining = None
    if not closed and attempt.ends_at:
        remaining = max(0, int((attempt.ends_at - timezone.now()).total_seconds()))
    return {
        "id": attempt.id,
        "quiz_id": attempt.quiz_id,
        "quiz_title": attempt.quiz.title,
        "number": attempt.number,
        "started_at": attempt.started_at,
        "ends_at": attempt.ends_at,
        "remaining_seconds": remaining,
        "closed": closed,
        "timed_out": attempt.timed_out,
        "score": attempt.score if closed and shown != ResultsShown.NOTHING else None,
        "passed": attempt.passed if closed and shown != ResultsShown.NOTHING else None,
        "questions": items,
    }


def diagnostics_growth(*, participant: "Participant") -> dict | None:
    """Share of right answers per competence in the last closed start and end diagnostics."""
    quizzes = {
        quiz.diagnostic_phase: quiz
        for quiz in Quiz.objects.filter(season_id=participant.season_id, track__in=[participant.track, ""]).exclude(
            diagnostic_phase=DiagnosticPhase.NONE
        )
    }
    shares: dict[str, dict[str, float]] = {}
    for phase in (DiagnosticPhase.START, DiagnosticPhase.END):
        quiz = quizzes.get(phase)
        attempt = (
            Attempt.objects.filter(quiz=quiz, user_id=participant.user_id, closed_at__isnull=False)
            .order_by("-number")
            .first()
            if quiz
            else None
        )
        if attempt is None:
            return None
        right, total = defaultdict(int), defaultdict(int)
        competences = dict(Question.objects.filter(id__in=attempt.question_ids).values_list("id", "competence"))
        correct = dict(Answer.objects.filter(attempt=attempt).values_list("question_id", "correct"))
        for question_id in attempt.question_ids:
            competence = competences.get(question_id) or "—"
            total[competence] += 1
            right[competence] += bool(correct.get(question_id))
        shares[phase] = {c: right[c] / total[c] for c in total}
    competences = sorted(set(shares["start"]) | set(shares["end"]))
    rows = []
    for index, competence in enumerate(competences):
        start, end = round(shares["start"].get(competence, 0) * 100), round(shares["end"].get(competence, 0) * 100)
        top = index * 40
        rows.append(
            {
                "competence": competence,
                "start": start,
                "end": end,
                "start_width": start * 2,
                "end_width": end * 2,
                "y_start": top + 4,
                "y_end": top + 16,
                "y_text": top + 20,
                "x_label": 410,
            }
        )
    return {"rows": rows, "height": max(40, len(rows) * 40)}
