import copy
import textwrap
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Exists, Max, OuterRef, QuerySet
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from assessments.models import Answer, Attempt, Question, QuestionKind, Quiz, QuizDeadlineExtension
from assessments.models.quizzes import DiagnosticPhase
from assessments.review import Review, ReviewFacts, review_decide, review_notes
from lms.memo import memo_scope, memoized, page_cached

if TYPE_CHECKING:
    from lms.models import Participant


# The subject of the pages' cache (lms.memo.page_cached) that a track's tests and admission policy
# are kept under; assessments.apps starts a new generation when a test, an extension or a policy changes.
TRACK_TESTS_CACHE = "assessments.track-tests"


def quiz_list_for_track(*, season_id: int, track: str) -> list[Quiz]:
    """The tests of a season's track, shared ones (without a track) included, by deadline, each
    with `has_extensions`: whether anyone has a later deadline for it (one query; on a page, from
    the pages' cache). The answer is shared: copy a test before giving it anything of one person."""
    return page_cached(
        subject=TRACK_TESTS_CACHE,
        key=("tests", season_id, track),
        compute=lambda: list(
            Quiz.objects.filter(season_id=season_id, track__in=[track, ""])
            .annotate(has_extensions=Exists(QuizDeadlineExtension.objects.filter(quiz=OuterRef("pk"))))
            .order_by("closes_at", "id")
        ),
    )


def quiz_list_for_participant(*, participant: "Participant") -> list[Quiz]:
    """The participant's tests, each with `deadline`: theirs, an extension applied (`extended_deadline`
    is set only when an extension moves it), `attempts_used` and `in_progress` (an attempt not yet
    closed). Queries: the tests (none on a page that has them cached), the participant's attempts,
    and their extensions only when someone has one for these tests."""
    quizzes = quiz_list_for_track(season_id=participant.season_id, track=participant.track)
    attempts = attempt_list_of_participant(participant=participant, quiz_ids=[quiz.id for quiz in quizzes])
    extended = extended_deadlines(quizzes=quizzes, user_ids={participant.user_id}).get(participant.user_id, {})
    own_quizzes = []
    for quiz in quizzes:
        own = copy.copy(quiz)
        own.extended_deadline = extended.get(quiz.id)
        own.deadline = own.extended_deadline or quiz.closes_at
        mine = [attempt for attempt in attempts if attempt.quiz_id == quiz.id]
        own.attempts_used = len(mine)
        own.in_progress = any(attempt.closed_at is None for attempt in mine)
        own_quizzes.append(own)
    return own_quizzes


def quiz_list_for_participant_memoized(*, participant: "Participant") -> list[Quiz]:
    """quiz_list_for_participant, read once per page (lms.memo): the cabinet's tests and
    diagnostics panels both show the track's tests."""
    return memoized(
        ("assessments.quiz_list_for_participant", participant.pk),
        lambda: quiz_list_for_participant(participant=participant),
    )


def attempt_list_of_participant(*, participant: "Participant", quiz_ids: list[int]) -> list[Attempt]:
    """The participant's attempts at these tests, by test and number (one query, none for no tests;
    once per page, lms.memo: the tests and diagnostics panels both read them)."""
    if not quiz_ids:
        return []
    return memoized(
        ("assessments.attempt_list_of_participant", participant.user_id, tuple(quiz_ids)),
        lambda: list(
            Attempt.objects.filter(user_id=participant.user_id, quiz_id__in=quiz_ids).order_by("quiz_id", "number")
        ),
    )


def extended_deadlines(*, quizzes: Sequence[Quiz], user_ids: set[int] | None) -> dict[int, dict[int, datetime]]:
    """{user id: {quiz id: extended deadline}} where an extension moves a deadline later (an
    extension counts only while it is later than the test's deadline: if the editor later moves the
    deadline past it, the test's own deadline stands): no query when no test has extensions
    (`has_extensions`, quiz_list_for_track), else one."""
    by_id = {quiz.id: quiz for quiz in quizzes if quiz.closes_at and getattr(quiz, "has_extensions", True)}
    if not by_id:
        return {}
    extensions = QuizDeadlineExtension.objects.filter(quiz_id__in=list(by_id))
    if user_ids is not None:
        extensions = extensions.filter(user_id__in=user_ids)
    result: dict[int, dict[int, datetime]] = {}
    for quiz_id, user_id, deadline in extensions.values_list("quiz_id", "user_id", "deadline"):
        if deadline > by_id[quiz_id].closes_at:
            result.setdefault(user_id, {})[quiz_id] = deadline
    return result


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


def quiz_last_deadline(*, quiz: Quiz) -> datetime | None:
    """The test's effective close: the latest deadline of anyone, extensions included (an extension
    earlier than the test's own deadline moves nothing). None: the test has no deadline, it never closes."""
    if quiz.closes_at is None:
        return None
    latest = QuizDeadlineExtension.objects.filter(quiz=quiz, deadline__gt=quiz.closes_at).aggregate(
        latest=Max("deadline")
    )["latest"]
    return latest or quiz.closes_at


def question_count_per_competence(*, bank_ids: list[int]) -> dict[str, int]:
    """How many questions of each competence the banks hold together (a question counts once)."""
    rows = (
        Question.objects.filter(bank_id__in=bank_ids)
        .order_by()
        .values("competence")
        .annotate(n=Count("id", distinct=True))
    )
    return {row["competence"]: row["n"] for row in rows}


def attempt_list(*, quiz: Quiz, user: AbstractBaseUser) -> QuerySet[Attempt]:
    return Attempt.objects.filter(quiz=quiz, user=user).order_by("number")


class StartBlocked(StrEnum):
    """Why "Start an attempt" is not offered (the page says it; attempt_start refuses the same)."""

    NOT_OPEN = "not_open"
    IN_PROGRESS = "in_progress"
    USED_UP = "used_up"
    DEADLINE_PASSED = "deadline_passed"


@dataclass(frozen=True)
class QuizStanding:
    """Where one participant stands with one test at one moment: their attempts, their deadline,
    the test's effective close, and so what they may do and see."""

    quiz: Quiz
    attempts: list[Attempt]
    deadline: datetime | None
    last_deadline: datetime | None
    now: datetime

    @property
    def open_attempt(self) -> Attempt | None:
        # An attempt past its end time is over even before a read grades it.
        return next(
            (a for a in self.attempts if a.closed_at is None and (a.ends_at is None or self.now < a.ends_at)), None
        )

    @property
    def attempts_left(self) -> int:
        return max(0, self.quiz.attempts_allowed - len(self.attempts))

    @property
    def start_blocked(self) -> StartBlocked | None:
        if self.quiz.opens_at and self.now < self.quiz.opens_at:
            return StartBlocked.NOT_OPEN
        if self.open_attempt is not None:
            return StartBlocked.IN_PROGRESS
        if self.deadline and self.now >= self.deadline:
            return StartBlocked.DEADLINE_PASSED
        if not self.attempts_left:
            return StartBlocked.USED_UP
        return None

    @property
    def still_answering(self) -> bool:
        may_start = self.attempts_left > 0 and not (self.deadline and self.now >= self.deadline)
        return self.open_attempt is not None or may_start

    def review(self, attempt: Attempt) -> Review:
        facts = ReviewFacts(
            attempt_closed=attempt.closed_at is not None,
            still_answering=self.still_answering,
            test_closed=self.last_deadline is not None and self.now >= self.last_deadline,
        )
        quiz = self.quiz
        return review_decide(
            score_shown=quiz.score_shown, answers_shown=quiz.answers_shown, key_shown=quiz.key_shown, facts=facts
        )


def quiz_standing(*, quiz: Quiz, user_id: int, now: datetime | None = None) -> QuizStanding:
    """Three queries: the attempts, the participant's deadline, the test's effective close."""
    return QuizStanding(
        quiz=quiz,
        attempts=list(Attempt.objects.filter(quiz=quiz, user_id=user_id).order_by("number")),
        deadline=quiz_deadline_for(quiz=quiz, user_id=user_id),
        last_deadline=quiz_last_deadline(quiz=quiz),
        now=now or timezone.now(),
    )


def attempt_detail(*, attempt: Attempt, now: datetime | None = None) -> dict:
    """What the participant may see of an attempt: while it is open, the questions and what they
    saved; once it is closed, what the review options allow at this moment (assessments/review.py)
    — the API and the page both show this and nothing more."""
    questions = Question.objects.in_bulk(attempt.question_ids)
    answers = {a.question_id: a for a in Answer.objects.filter(attempt=attempt)}
    closed = attempt.closed_at is not None
    quiz = attempt.quiz
    review = quiz_standing(quiz=quiz, user_id=attempt.user_id, now=now).review(attempt)
    items = []
    for question_id in attempt.question_ids:
        question, answer = questions[question_id], answers.get(question_id)
        item = {"id": question.id, "kind": question.kind, "text": question.text, "options": question.options}
        if not closed or review.answers:
            item["answer"] = answer.value if answer else None
            item["answer_text"] = answer_text(question=question, value=answer.value) if answer else ""
        if review.key:
            item["correct"] = bool(answer and answer.correct)
            item["key"] = _key_value(question)
            item["key_text"] = key_text(question=question)
        items.append(item)
    remaining = None
    if not closed and attempt.ends_at:
        remaining = max(0, int((attempt.ends_at - (now or timezone.now())).total_seconds()))
    notes = (
        review_notes(
            score_shown=quiz.score_shown, answers_shown=quiz.answers_shown, key_shown=quiz.key_shown, review=review
        )
        if closed
        else []
    )
    return {
        "id": attempt.id,
        "quiz_id": attempt.quiz_id,
        "quiz_title": quiz.title,
        "number": attempt.number,
        "started_at": attempt.started_at,
        "ends_at": attempt.ends_at,
        "remaining_seconds": remaining,
        "closed": closed,
        "timed_out": attempt.timed_out,
        "score": attempt.score if review.score else None,
        "passed": attempt.passed if review.score else None,
        "review": {"score": review.score, "answers": review.answers, "key": review.key},
        "review_notes": notes,
        "questions": items,
    }


def _number_text(value) -> str:
    """A number as the reader writes it: 8, not 8.0000; 2,5 in Russian."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return number_format(Decimal(format(number.normalize(), "f")), use_l10n=True)


def _option_text(question: Question, index) -> str:
    options = question.options or []
    return str(options[index]) if isinstance(index, int) and 0 <= index < len(options) else str(index)


def answer_text(*, question: Question, value) -> str:
    """A saved answer as the participant gave it: the options' text, never their numbers."""
    if question.kind == QuestionKind.SINGLE:
        return _option_text(question, value)
    if question.kind == QuestionKind.MULTIPLE:
        return ", ".join(_option_text(question, index) for index in sorted(value or []))
    if question.kind == QuestionKind.NUMBER:
        return _number_text(value)
    return str(value)


def key_text(*, question: Question) -> str:
    if question.kind == QuestionKind.SINGLE:
        return answer_text(question=question, value=question.correct_options[0])
    if question.kind == QuestionKind.MULTIPLE:
        return answer_text(question=question, value=question.correct_options)
    if question.kind == QuestionKind.NUMBER:
        if question.number_tolerance:
            return f"{_number_text(question.number_answer)} ± {_number_text(question.number_tolerance)}"
        return _number_text(question.number_answer)
    first, *others = question.accepted_answers or [""]
    if not others:
        return str(first)
    return _("%(answer)s (also accepted: %(others)s)") % {"answer": first, "others": ", ".join(others)}


def _key_value(question: Question):
    """The key for an API client that marks its own form: option numbers, the number as text."""
    if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        return question.correct_options
    if question.kind == QuestionKind.NUMBER:
        return format(question.number_answer.normalize(), "f")
    return question.accepted_answers


def diagnostics_growth(*, participant: "Participant") -> dict:
    """The start and end diagnostics of the participant's track (`pending`: those not taken yet), and
    the share of right answers per competence in the last closed attempt of each. Growth compares like
    with like: only competences measured at both ends get a row; the rest are `unmeasured`.
    `rows` is empty until both are taken."""
    with memo_scope():  # the tests' list and this read the participant's attempts once
        return _diagnostics_growth(participant=participant)


def _diagnostics_growth(*, participant: "Participant") -> dict:
    listed = quiz_list_for_participant_memoized(participant=participant)
    quizzes = {
        quiz.diagnostic_phase: quiz
        for quiz in sorted(listed, key=lambda quiz: quiz.id)
        if quiz.diagnostic_phase != DiagnosticPhase.NONE
    }
    diagnostic_ids = {quiz.id for quiz in quizzes.values()}
    # The last closed attempt of each diagnostic (the list is by test and number).
    attempts = {
        attempt.quiz_id: attempt
        for attempt in attempt_list_of_participant(participant=participant, quiz_ids=[quiz.id for quiz in listed])
        if attempt.quiz_id in diagnostic_ids and attempt.closed_at is not None
    }
    phases = [phase for phase in (DiagnosticPhase.START, DiagnosticPhase.END) if phase in quizzes]
    pending = [quizzes[phase] for phase in phases if quizzes[phase].id not in attempts]
    growth = {"pending": pending, "rows": [], "unmeasured": [], "height": 0}
    if len(phases) < 2 or pending:
        return growth
    taken = [attempts[quizzes[phase].id] for phase in phases]
    question_ids = {question_id for attempt in taken for question_id in attempt.question_ids}
    competences = dict(Question.objects.filter(id__in=question_ids).values_list("id", "competence"))
    correct = {
        (attempt_id, question_id): right
        for attempt_id, question_id, right in Answer.objects.filter(attempt__in=taken).values_list(
            "attempt_id", "question_id", "correct"
        )
    }
    start, end = (_competence_shares(attempt, competences, correct) for attempt in taken)
    rows, top = [], 0
    for competence in sorted(set(start) & set(end)):
        # SVG text does not wrap: a long name goes on as many lines as it needs within the chart.
        lines = textwrap.wrap(competence, LABEL_CHARACTERS) or [competence]
        bars = top + LINE_HEIGHT * len(lines)
        rows.append(
            {
                "competence": competence,
                "lines": [{"text": line, "y": top + LINE_HEIGHT * (n + 1) - 2} for n, line in enumerate(lines)],
                "start": round(start[competence] * 100),
                "end": round(end[competence] * 100),
                "start_width": round(start[competence] * BAR_WIDTH),
                "end_width": round(end[competence] * BAR_WIDTH),
                "y_start": bars + 4,
                "y_end": bars + 16,
                "y_figure": bars + 25,
            }
        )
        top = bars + BARS_HEIGHT
    growth.update(rows=rows, unmeasured=sorted(set(start) ^ set(end)), height=top, bar_width=BAR_WIDTH)
    return growth


# The chart's geometry in its own units (viewBox 320 wide, 13-unit text): it scales down to a
# phone's width; a label line holds about 34 letters of Cyrillic.
LINE_HEIGHT, BARS_HEIGHT, BAR_WIDTH, LABEL_CHARACTERS = 16, 36, 200, 34


def _competence_shares(attempt: Attempt, competences: dict, correct: dict) -> dict[str, float]:
    right, total = defaultdict(int), defaultdict(int)
    for question_id in attempt.question_ids:
        competence = competences.get(question_id) or "—"
        total[competence] += 1
        right[competence] += bool(correct.get((attempt.id, question_id)))
    return {competence: right[competence] / total[competence] for competence in total}
