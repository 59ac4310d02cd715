"""A participant's test page (start an attempt) and attempt page (answer, submit)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from assessments.models import Attempt, Quiz
from assessments.selectors.quizzes import attempt_detail, attempt_list, quiz_standing
from assessments.services.quizzes import (
    answer_save,
    attempt_close_if_expired,
    attempt_start,
    attempt_submit,
    quiz_view_check,
)
from assessments.views.common import messages_from, number_or_text
from lms.errors import ConflictError


@login_required
def quiz_page(request, quiz_id: int):
    """GET: the test, the participant's attempts and deadline. POST: start an attempt."""
    quiz = get_object_or_404(Quiz, pk=quiz_id)
    quiz_view_check(quiz=quiz, user=request.user)
    if request.method == "POST":
        return _attempt_start(request, quiz)
    for attempt in attempt_list(quiz=quiz, user=request.user).filter(closed_at__isnull=True):
        attempt_close_if_expired(attempt=attempt)
    standing = quiz_standing(quiz=quiz, user_id=request.user.pk)
    attempts = [{"attempt": attempt, "review": standing.review(attempt)} for attempt in standing.attempts]
    return render(
        request,
        "assessments/quiz.html",
        {
            "quiz": quiz,
            "standing": standing,
            "attempts": attempts,
            "deadline": standing.deadline,
            "extended": standing.deadline != quiz.closes_at,
        },
    )


def _attempt_start(request, quiz: Quiz):
    try:
        attempt = attempt_start(quiz=quiz, user=request.user)
    except (ValidationError, ConflictError) as error:
        messages_from(request, error)
        return redirect("assessments:quiz", quiz.id)
    return redirect("assessments:attempt", attempt.id)


def _form_value(question: dict, request):
    name = f"q{question['id']}"
    if question["kind"] == "multiple":
        values = request.POST.getlist(name)
        # A value that is not an option number is kept as it came, for the service to refuse.
        return [number_or_text(value) for value in values] if values else None
    raw = request.POST.get(name, "").strip()
    if not raw:
        return None
    return number_or_text(raw) if question["kind"] == "single" else raw


@login_required
def attempt_page(request, attempt_id: int):
    """GET: the attempt (its questions; once closed, what the editor chose to show). POST: save
    the answers given, and submit when the submit button was pressed."""
    attempt = get_object_or_404(Attempt.objects.select_related("quiz"), pk=attempt_id)
    if attempt.user_id != request.user.pk:
        raise PermissionDenied(_("This is not your attempt."))
    attempt_close_if_expired(attempt=attempt)
    if request.method == "POST" and attempt.closed_at is None:
        return _answers_save(request, attempt)
    attempt.refresh_from_db()
    detail = attempt_detail(attempt=attempt)
    for question in detail["questions"]:
        answer = question.get("answer")
        question["chosen"] = answer if isinstance(answer, list) else [answer]
    return render(request, "assessments/attempt.html", {"attempt": detail})


def _answers_save(request, attempt: Attempt):
    try:
        for question in attempt_detail(attempt=attempt)["questions"]:
            value = _form_value(question, request)
            if value is not None:
                answer_save(attempt=attempt, question_id=question["id"], value=value, user=request.user)
        if "submit" in request.POST:
            attempt_submit(attempt=attempt, user=request.user)
    except ValidationError as error:
        messages_from(request, error)
    return redirect("assessments:attempt", attempt.id)
