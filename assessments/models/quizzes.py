from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lms.choices import Track
from lms.extensions import DeadlineExtensionBase


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    NUMBER = "number", _("Number")
    TEXT = "text", _("Short text")


class QuestionBank(models.Model):
    title = models.CharField(_("title"), max_length=200)

    class Meta:
        ordering = ["title"]
        verbose_name = _("question bank")
        verbose_name_plural = _("question banks")

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    bank = models.ForeignKey(QuestionBank, on_delete=models.CASCADE, related_name="questions", verbose_name=_("bank"))
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices)
    text = models.TextField(_("question"))
    competence = models.CharField(
        _("competence"), max_length=100, blank=True, help_text=_("Diagnostics show the growth per competence.")
    )
    options = models.JSONField(
        _("options"), default=list, blank=True, help_text=_("Choice questions: a list of texts.")
    )
    correct_options = models.JSONField(
        _("correct options"), default=list, blank=True, help_text=_("Choice questions: indexes of the right options.")
    )
    number_answer = models.DecimalField(_("number answer"), max_digits=14, decimal_places=4, null=True, blank=True)
    number_tolerance = models.DecimalField(_("tolerance"), max_digits=14, decimal_places=4, default=0)
    accepted_answers = models.JSONField(
        _("accepted answers"), default=list, blank=True, help_text=_("Short text: every accepted answer.")
    )

    class Meta:
        ordering = ["bank", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.CheckConstraint(condition=Q(number_tolerance__gte=0), name="question_tolerance_positive"),
        ]

    def __str__(self) -> str:
        return self.text[:80]

    def clean(self) -> None:
        if self.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            if not isinstance(self.options, list) or len(self.options) < 2:
                raise ValidationError({"options": _("A choice question needs at least two options.")})
            correct = self.correct_options if isinstance(self.correct_options, list) else []
            if not correct or any(not isinstance(i, int) or not 0 <= i < len(self.options) for i in correct):
                raise ValidationError({"correct_options": _("Name the right options by their index.")})
            if self.kind == QuestionKind.SINGLE and len(correct) != 1:
                raise ValidationError({"correct_options": _("A single-choice question has exactly one right option.")})
        elif self.kind == QuestionKind.NUMBER and self.number_answer is None:
            raise ValidationError({"number_answer": _("A number question needs its answer.")})
        elif self.kind == QuestionKind.TEXT and not self.accepted_answers:
            raise ValidationError({"accepted_answers": _("A short-text question needs at least one accepted answer.")})


class ScorePolicy(models.TextChoices):
    BEST = "best", _("Best attempt")
    LAST = "last", _("Last attempt")


class ReviewMoment(models.TextChoices):
    """When a part of an attempt's review is shown (Moodle's review options, with fewer moments).
    Above every choice stands one rule (assessments/review.py): right answers are never shown
    while the participant may still answer the test."""

    IMMEDIATELY = "immediately", _("Immediately after the attempt")
    LAST_ATTEMPT = "last_attempt", _("After the participant's last attempt")
    CLOSED = "closed", _("Once the test has closed for everyone")
    NEVER = "never", _("Never")


class DiagnosticPhase(models.TextChoices):
    NONE = "", _("Not a diagnostic")
    START = "start", _("Diagnostic at the start of the block")
    END = "end", _("Diagnostic at the end of the block")


class Quiz(models.Model):
    """A test: N questions drawn from banks per attempt, reproducibly from the attempt's seed."""

    title = models.CharField(_("title"), max_length=200)
    season = models.ForeignKey("lms.Season", on_delete=models.PROTECT, related_name="+", verbose_name=_("season"))
    track = models.CharField(
        _("track"), max_length=15, choices=Track.choices, blank=True, help_text=_("Empty: every track takes it.")
    )
    page = models.ForeignKey(
        "wagtailcore.Page",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("course or lecture"),
    )
    banks = models.ManyToManyField(QuestionBank, related_name="quizzes", verbose_name=_("question banks"))
    question_count = models.PositiveSmallIntegerField(_("questions per attempt"), default=10)
    time_limit_minutes = models.PositiveSmallIntegerField(_("time limit, minutes"), null=True, blank=True)
    attempts_allowed = models.PositiveSmallIntegerField(_("attempts allowed"), default=1)
    pass_mark = models.DecimalField(
        _("pass mark"), max_digits=4, decimal_places=3, default=0.6, help_text=_("Share of points, 0 to 1.")
    )
    score_policy = models.CharField(_("score that counts"), max_length=4, choices=ScorePolicy.choices, default="best")
    opens_at = models.DateTimeField(_("opens at"), null=True, blank=True)
    closes_at = models.DateTimeField(_("deadline"), null=True, blank=True)
    required = models.BooleanField(_("required for admission"), default=True)
    diagnostic_phase = models.CharField(
        _("diagnostic"), max_length=5, choices=DiagnosticPhase.choices, blank=True, default=""
    )
    score_shown = models.CharField(
        _("score shown"), max_length=12, choices=ReviewMoment.choices, default=ReviewMoment.IMMEDIATELY
    )
    answers_shown = models.CharField(
        _("participant's own answers shown"),
        max_length=12,
        choices=ReviewMoment.choices,
        default=ReviewMoment.IMMEDIATELY,
        help_text=_("While an attempt is in progress the participant always sees what they have saved."),
    )
    key_shown = models.CharField(
        _("right answers shown"),
        max_length=12,
        choices=ReviewMoment.choices,
        default=ReviewMoment.CLOSED,
        help_text=_(
            "Right answers, and which answers were right, are never shown while the participant may still "
            "start an attempt. “After the participant's last attempt” lets them reach peers who still have "
            "attempts; “once the test has closed for everyone” waits for the latest deadline, extensions "
            "included (a test without a deadline never closes)."
        ),
    )
    blueprint = models.JSONField(
        _("questions per competence"),
        default=dict,
        blank=True,
        help_text=_(
            'Every attempt draws this many questions of each competence, e.g. {"Право": 3, "Цифровые навыки": 3}; '
            "the numbers add up to the questions per attempt. Required for a diagnostic, so growth compares "
            "like with like."
        ),
    )

    class Meta:
        ordering = ["season", "closes_at", "id"]
        verbose_name = _("test")
        verbose_name_plural = _("tests")
        constraints = [
            models.CheckConstraint(condition=Q(pass_mark__gte=0, pass_mark__lte=1), name="quiz_pass_mark_share"),
            models.CheckConstraint(condition=Q(question_count__gte=1), name="quiz_has_questions"),
            models.CheckConstraint(condition=Q(attempts_allowed__gte=1), name="quiz_allows_an_attempt"),
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True) | Q(closes_at__isnull=True) | Q(closes_at__gt=models.F("opens_at")),
                name="quiz_window_ordered",
            ),
            # With attempts left, "immediately" would hand the key to someone who may try again.
            models.CheckConstraint(
                condition=~Q(key_shown=ReviewMoment.IMMEDIATELY, attempts_allowed__gt=1),
                name="quiz_key_not_shown_while_attempts_remain",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.key_shown == ReviewMoment.IMMEDIATELY and (self.attempts_allowed or 0) > 1:
            errors["key_shown"] = _(
                "Right answers shown immediately after an attempt would reach a participant who still has "
                "attempts left. Choose “after the participant's last attempt” or “once the test has closed for "
                "everyone”, or allow one attempt."
            )
        blueprint_error = blueprint_problem(blueprint=self.blueprint, question_count=self.question_count)
        if blueprint_error:
            errors["blueprint"] = blueprint_error
        elif self.diagnostic_phase and not self.blueprint:
            errors["blueprint"] = _(
                "A diagnostic needs its questions per competence, so every attempt measures the same skills."
            )
        if errors:
            raise ValidationError(errors)


def blueprint_problem(*, blueprint, question_count: int | None) -> str | None:
    """What is wrong with a blueprint's shape, or None (which competences the banks hold is checked
    where the banks are known: the edit form and the draw)."""
    if not blueprint:
        return None
    if not isinstance(blueprint, dict) or any(
        not isinstance(name, str) or not name.strip() or not isinstance(count, int) or isinstance(count, bool)
        for name, count in blueprint.items()
    ):
        return _('Give each competence and its number of questions, e.g. {"Право": 3}.')
    if any(count < 1 for count in blueprint.values()):
        return _("Each competence draws at least one question.")
    total = sum(blueprint.values())
    if total != question_count:
        return _("Questions in total over the competences: %(total)s; set the questions per attempt to match.") % {
            "total": total
        }
    return None


class QuizDeadlineExtension(DeadlineExtensionBase):
    """A later deadline for one participant and one test, granted by staff with a reason: the
    project's one extension shape (lms.extensions), at most one per participant and test."""

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="deadline_extensions", verbose_name=_("test"))

    class Meta(DeadlineExtensionBase.Meta):
        verbose_name = _("test deadline extension")
        verbose_name_plural = _("test deadline extensions")
        constraints = [
            *DeadlineExtensionBase.Meta.constraints,
            models.UniqueConstraint(fields=["user", "quiz"], name="quiz_extension_one_per_test"),
        ]

    def __str__(self) -> str:
        return f"{self.quiz} → {self.deadline:%Y-%m-%d %H:%M} ({self.user})"


class Attempt(models.Model):
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="attempts", verbose_name=_("test"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts", verbose_name=_("user")
    )
    number = models.PositiveSmallIntegerField(_("attempt number"))
    seed = models.BigIntegerField(_("seed"))
    question_ids = models.JSONField(_("questions"), default=list)
    started_at = models.DateTimeField(_("started at"))
    ends_at = models.DateTimeField(_("time runs out at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    timed_out = models.BooleanField(_("closed by the clock"), default=False)
    score = models.FloatField(_("score"), null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)

    class Meta:
        ordering = ["quiz", "user", "number"]
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        constraints = [
            models.UniqueConstraint(fields=["quiz", "user", "number"], name="attempt_number_unique"),
            # The database, not a check-then-insert, keeps a second concurrent attempt out.
            models.UniqueConstraint(
                fields=["quiz", "user"], condition=Q(closed_at__isnull=True), name="attempt_one_open_per_user"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=1), name="attempt_score_share"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quiz} #{self.number} ({self.user})"


class Answer(models.Model):
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers", verbose_name=_("attempt"))
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+", verbose_name=_("question"))
    value = models.JSONField(_("answer"))
    correct = models.BooleanField(_("correct"), null=True, blank=True)
    saved_at = models.DateTimeField(_("saved at"), auto_now=True)

    class Meta:
        ordering = ["attempt", "id"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [models.UniqueConstraint(fields=["attempt", "question"], name="answer_one_per_question")]

    def __str__(self) -> str:
        return f"{self.attempt_id}/{self.question_id}"
