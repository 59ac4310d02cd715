from __future__ import annotations

import random
import secrets
import zoneinfo
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from assessments.models import Answer, Attempt, Question, QuestionKind, Quiz, QuizDeadlineExtension
from assessments.permissions import is_staff
from assessments.selectors.quizzes import quiz_deadline_for
from lms.errors import ConflictError
from lms.selectors import participant_current, participant_in_season
from lms.services import deadline_extension_save
from lms.text import text_require_storable

if TYPE_CHECKING:
    from lms.models import Participant

# A number answer longer than this is refused: the key has at most 14 digits anyway.
NUMBER_DIGITS_MAX = 20


def questions_draw(*, quiz: Quiz, seed: int) -> list[int]:
    """The same seed always draws the same questions in the same order. A test with a blueprint
    draws exactly its number of questions of each competence, so every attempt measures the same
    skills (the growth of a diagnostic compares like with like)."""
    rows = Question.objects.filter(bank__in=quiz.banks.all()).values_list("id", "competence").distinct()
    rng = random.Random(seed)
    if not quiz.blueprint:
        pool = sorted(question_id for question_id, _competence in rows)
        return rng.sample(pool, min(quiz.question_count, len(pool)))
    pools: dict[str, list[int]] = defaultdict(list)
    for question_id, competence in sorted(rows):
        pools[competence].append(question_id)
    shortfall = blueprint_shortfall(blueprint=quiz.blueprint, available={c: len(p) for c, p in pools.items()})
    if shortfall:
        raise ValidationError({"quiz": shortfall})
    drawn = [question_id for c, count in sorted(quiz.blueprint.items()) for question_id in rng.sample(pools[c], count)]
    rng.shuffle(drawn)
    return drawn


def blueprint_shortfall(*, blueprint: dict, available: dict[str, int]) -> str | None:
    """Which competence of the blueprint its banks cannot fill, or None."""
    for competence, count in sorted(blueprint.items()):
        if available.get(competence, 0) < count:
            return _(
                "Questions of “%(competence)s” in the banks: %(available)s; the blueprint asks for %(count)s. "
                "Competences in the banks: %(known)s."
            ) % {
                "available": available.get(competence, 0),
                "competence": competence,
                "count": count,
                "known": ", ".join(sorted(c for c in available if c)) or "—",
            }
    return None


def _quiz_access_check(*, quiz: Quiz, user: AbstractBaseUser) -> Participant:
    participant = participant_current(user=user)
    if participant is None or participant.season_id != quiz.season_id or quiz.track not in ("", participant.track):
        raise PermissionDenied(_("This test is not part of your programme."))
    return participant


def quiz_view_check(*, quiz: Quiz, user: AbstractBaseUser) -> None:
    """Staff may look at any test; anyone else only at a test of their own season and track."""
    if not is_staff(user):
        _quiz_access_check(quiz=quiz, user=user)


def _participant_moment(*, moment: datetime, participant: Participant) -> str:
    """A moment as the participant reads it: their own zone, the language's date format."""
    try:
        zone = zoneinfo.ZoneInfo(participant.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = timezone.get_current_timezone()
    return date_format(timezone.localtime(moment, zone), "j E Y, H:i")


def attempt_grade(*, attempt: Attempt, now: datetime, timed_out: bool = False) -> Attempt:
    """Grade what is saved; an attempt closed by the clock is graded as it stands."""
    questions = Question.objects.in_bulk(attempt.question_ids)
    answers = {answer.question_id: answer for answer in attempt.answers.all()}
    right = 0
    for question_id in attempt.question_ids:
        answer = answers.get(question_id)
        if answer is None:
            continue
        answer.correct = answer_is_correct(question=questions[question_id], value=answer.value)
        right += answer.correct
    Answer.objects.bulk_update(list(answers.values()), ["correct"])
    attempt.score = round(right / len(attempt.question_ids), 4) if attempt.question_ids else 0.0
    attempt.passed = attempt.score + 1e-9 >= float(attempt.quiz.pass_mark)
    attempt.closed_at, attempt.timed_out = now, timed_out
    attempt.save(update_fields=["score", "passed", "closed_at", "timed_out"])
    return attempt


def answer_is_correct(*, question: Question, value) -> bool:
    if question.kind == QuestionKind.SINGLE:
        return value == question.correct_options[0]
    if question.kind == QuestionKind.MULTIPLE:
        return sorted(value) == sorted(question.correct_options)
    if question.kind == QuestionKind.NUMBER:
        return abs(Decimal(str(value)) - question.number_answer) <= question.number_tolerance
    normalised = " ".join(str(value).lower().replace("ё", "е").split())
    return normalised in {" ".join(a.lower().replace("ё", "е").split()) for a in question.accepted_answers}


def answer_validate(*, question: Question, value) -> object:
    """Return the value in its stored form or raise ValidationError; nothing is stored on error."""
    options = len(question.options)
    if question.kind == QuestionKind.SINGLE:
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < options:
            raise ValidationError(
                {"value": _("Choose one option by its number (0 to %(max)s).") % {"max": options - 1}}
            )
        return value
    if question.kind == QuestionKind.MULTIPLE:
        if (
            not isinstance(value, list)
            or any(not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < options for i in value)
            or len(set(value)) != len(value)
        ):
            raise ValidationError({"value": _("Give a list of distinct option numbers.")})
        return sorted(value)
    if question.kind == QuestionKind.NUMBER:
        try:
            number = Decimal(str(value).replace(",", "."))
        except InvalidOperation as error:
            raise ValidationError({"value": _("Enter a number.")}) from error
        if isinstance(value, bool) or not number.is_finite():
            raise ValidationError({"value": _("Enter a number.")})
        # 1e999999999 is a finite Decimal, but comparing it with the key would overflow at grading.
        if not -NUMBER_DIGITS_MAX <= number.adjusted() < NUMBER_DIGITS_MAX:
            raise ValidationError(
                {"value": _("Enter a number of at most %(digits)s digits.") % {"digits": NUMBER_DIGITS_MAX}}
            )
        return str(number)
    if not isinstance(value, str) or not value.strip() or len(value) > 500:
        raise ValidationError({"value": _("Enter a short text answer (up to 500 characters).")})
    text_require_storable(value=value, field="value")
    return value.strip()


def attempt_close_if_expired(*, attempt: Attempt, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    if attempt.closed_at is None and attempt.ends_at is not None and now >= attempt.ends_at:
        attempt_grade(attempt=attempt, now=attempt.ends_at, timed_out=True)
        return True
    return False


@transaction.atomic
def attempt_start(*, quiz: Quiz, user: AbstractBaseUser, now: datetime | None = None) -> Attempt:
    now = now or timezone.now()
    participant = _quiz_access_check(quiz=quiz, user=user)
    if quiz.opens_at and now < quiz.opens_at:
        raise ValidationError(
            {
                "quiz": _("This test opens on %(date)s.")
                % {"date": _participant_moment(moment=quiz.opens_at, participant=participant)}
            }
        )
    deadline = quiz_deadline_for(quiz=quiz, user_id=user.pk)
    if deadline and now >= deadline:
        raise ValidationError({"quiz": _("The deadline of this test has passed.")})
    attempts = list(Attempt.objects.select_for_update().filter(quiz=quiz, user=user).order_by("number"))
    for attempt in attempts:
        attempt_close_if_expired(attempt=attempt, now=now)
    if any(attempt.closed_at is None for attempt in attempts):
        raise ConflictError(_("You already have an attempt in progress; finish it first."))
    if len(attempts) >= quiz.attempts_allowed:
        raise ValidationError({"quiz": _("You have used all %(n)s attempts.") % {"n": quiz.attempts_allowed}})
    seed = secrets.randbits(62)
    question_ids = questions_draw(quiz=quiz, seed=seed)
    if not question_ids:
        raise ValidationError({"quiz": _("This test has no questions yet.")})
    # The server's clock closes an attempt at its time limit or at the participant's deadline,
    # whichever comes first: an untimed attempt opened before the deadline is not a way past it.
    ends_at = now + timedelta(minutes=quiz.time_limit_minutes) if quiz.time_limit_minutes else None
    if deadline:
        ends_at = min(ends_at, deadline) if ends_at else deadline
    try:
        with transaction.atomic():
            return Attempt.objects.create(
                quiz=quiz,
                user=user,
                number=len(attempts) + 1,
                seed=seed,
                question_ids=question_ids,
                started_at=now,
                ends_at=ends_at,
            )
    except IntegrityError as error:
        raise ConflictError(_("Another attempt was started at the same moment.")) from error


def _open_attempt_lock(*, attempt: Attempt, user: AbstractBaseUser, now: datetime) -> Attempt:
    """Lock the caller's open attempt. Closing an attempt whose time ran out is committed in its
    own transaction, so the refusal that follows does not roll the grading back."""
    if attempt.user_id != user.pk:
        raise PermissionDenied(_("This is not your attempt."))
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().select_related("quiz").get(pk=attempt.pk)
        expired = attempt_close_if_expired(attempt=locked, now=now)
    if expired:
        raise ValidationError({"attempt": _("The time limit has passed; the attempt was closed and graded.")})
    if locked.closed_at is not None:
        raise ValidationError({"attempt": _("This attempt is already closed.")})
    return locked


def answer_save(
    *, attempt: Attempt, question_id: int, value, user: AbstractBaseUser, now: datetime | None = None
) -> Answer:
    now = now or timezone.now()
    _open_attempt_lock(attempt=attempt, user=user, now=now)
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if attempt.closed_at is not None:
            raise ValidationError({"attempt": _("This attempt is already closed.")})
        if question_id not in attempt.question_ids:
            raise ValidationError({"question": _("This question is not part of your attempt.")})
        question = Question.objects.get(pk=question_id)
        stored = answer_validate(question=question, value=value)
        answer, _created = Answer.objects.update_or_create(
            attempt=attempt, question=question, defaults={"value": stored}
        )
    return answer


def attempt_submit(*, attempt: Attempt, user: AbstractBaseUser, now: datetime | None = None) -> Attempt:
    now = now or timezone.now()
    _open_attempt_lock(attempt=attempt, user=user, now=now)
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().select_related("quiz").get(pk=attempt.pk)
        if attempt.closed_at is not None:
            raise ValidationError({"attempt": _("This attempt is already closed.")})
        return attempt_grade(attempt=attempt, now=now)


def quiz_deadline_extension_grant(
    *,
    user: AbstractBaseUser,
    quiz: Quiz,
    deadline: datetime | None,
    reason: str,
    granted_by: AbstractBaseUser | None,
    extension: QuizDeadlineExtension | None = None,
) -> QuizDeadlineExtension:
    """Give one participant a later deadline for one test (or change their extension); who granted
    it and when are stored. The rules every extension follows (a reason, a deadline to extend, only
    later) are lms's `deadline_extension_save`; a test's own: the person takes this test. Attempts
    started before it count (scores/tests.py), and a timed attempt runs until it at the latest."""
    errors: dict[str, list] = {}
    participant = participant_in_season(user_id=user.pk, season_id=quiz.season_id)
    if participant is None or quiz.track not in ("", participant.track):
        errors["user"] = [_("This person does not take this test: not a participant of its season and track.")]
    extension = extension or QuizDeadlineExtension()
    extension.user, extension.quiz = user, quiz
    return deadline_extension_save(
        extension=extension,
        policy_deadline=quiz.closes_at,
        deadline=deadline,
        reason=reason,
        granted_by=granted_by,
        errors=errors,
        duplicate_field="user",
        duplicate_message=_("This participant already has an extension for this test; change it."),
    )


def quiz_deadline_extension_delete(*, extension: QuizDeadlineExtension) -> None:
    # An attempt already running keeps its end time; attempts started after the test's own
    # deadline stop counting (scores/tests.py judges by the deadline in force).
    extension.delete()
