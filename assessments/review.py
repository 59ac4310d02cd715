"""What a participant sees of a closed attempt, and when: the editor's review options (score, own
answers, right answers, each with its moment) under one rule no option overrides — right answers,
and which answers were right, are never shown while the participant may still answer the test.

Pure: the facts come from `assessments.selectors.quizzes.quiz_standing`; the API and the pages
both build what they show from `review_decide`, so no template decides what leaks."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from assessments.models.quizzes import ReviewMoment


@dataclass(frozen=True)
class ReviewFacts:
    attempt_closed: bool
    # An attempt in progress, or attempts left while the test is open for this participant.
    still_answering: bool
    # The latest deadline of anyone, extensions included, has passed (a test without one never closes).
    test_closed: bool


@dataclass(frozen=True)
class Review:
    score: bool
    answers: bool
    key: bool


def moment_reached(*, moment: str, facts: ReviewFacts) -> bool:
    if not facts.attempt_closed:
        return False
    return {
        ReviewMoment.IMMEDIATELY: True,
        ReviewMoment.LAST_ATTEMPT: not facts.still_answering,
        ReviewMoment.CLOSED: facts.test_closed,
        ReviewMoment.NEVER: False,
    }[moment]


def review_decide(*, score_shown: str, answers_shown: str, key_shown: str, facts: ReviewFacts) -> Review:
    return Review(
        score=moment_reached(moment=score_shown, facts=facts),
        answers=moment_reached(moment=answers_shown, facts=facts),
        key=moment_reached(moment=key_shown, facts=facts) and not facts.still_answering,
    )


# What the participant reads about a part not shown yet, by the moment the editor chose. The key
# chosen "immediately" but held back by the rule waits, in effect, for the last attempt.
_LATER = {
    "score": {
        ReviewMoment.LAST_ATTEMPT: _("Your score will be shown after your last attempt."),
        ReviewMoment.CLOSED: _("Your score will be shown once the test has closed for everyone."),
        ReviewMoment.NEVER: _("This test does not show scores."),
    },
    "answers": {
        ReviewMoment.LAST_ATTEMPT: _("Your answers will be shown after your last attempt."),
        ReviewMoment.CLOSED: _("Your answers will be shown once the test has closed for everyone."),
        ReviewMoment.NEVER: _("This test does not show your answers after an attempt."),
    },
    "key": {
        ReviewMoment.IMMEDIATELY: _("The right answers will be shown after your last attempt."),
        ReviewMoment.LAST_ATTEMPT: _("The right answers will be shown after your last attempt."),
        ReviewMoment.CLOSED: _("The right answers will be shown once the test has closed for everyone."),
        ReviewMoment.NEVER: _("This test does not show the right answers."),
    },
}


def review_notes(*, score_shown: str, answers_shown: str, key_shown: str, review: Review) -> list[str]:
    """One sentence per part of a closed attempt that is not shown, saying when it will be."""
    chosen = {"score": score_shown, "answers": answers_shown, "key": key_shown}
    return [str(_LATER[part][chosen[part]]) for part in ("score", "answers", "key") if not getattr(review, part)]
