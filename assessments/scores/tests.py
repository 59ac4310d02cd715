from collections.abc import Sequence

from django.db.models import Max
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.models import Attempt, Quiz
from assessments.models.quizzes import ScorePolicy
from assessments.scores import Figure, ParticipantRow, ScoreModule, clamp
from lms.models import Participant, Season


def required_quizzes(*, season_id: int, track: str) -> list[Quiz]:
    """A test without a track is shared: passing it counts whatever track the participant is on."""
    return list(
        Quiz.objects.filter(season_id=season_id, required=True, diagnostic_phase="")
        .filter(track__in=[track, ""])
        .order_by("closes_at", "id")
    )


def counting_scores(*, quizzes: Sequence[Quiz], user_ids: set[int] | None) -> dict[tuple[int, int], float]:
    """(quiz id, user id) → the score that counts: best or last closed attempt. Two queries."""
    scores: dict[tuple[int, int], float] = {}
    closed = Attempt.objects.filter(closed_at__isnull=False, score__isnull=False)
    if user_ids is not None:
        closed = closed.filter(user_id__in=user_ids)
    best = [quiz.id for quiz in quizzes if quiz.score_policy == ScorePolicy.BEST]
    last = [quiz.id for quiz in quizzes if quiz.score_policy == ScorePolicy.LAST]
    if best:
        rows = closed.filter(quiz_id__in=best).values("quiz_id", "user_id").annotate(best=Max("score")).order_by()
        for row in rows.values_list("quiz_id", "user_id", "best"):
            scores[row[0], row[1]] = row[2]
    if last:
        # Ascending by number: the last attempt's score is the one left in the dict.
        for quiz_id, user_id, score in (
            closed.filter(quiz_id__in=last).order_by("number").values_list("quiz_id", "user_id", "score")
        ):
            scores[quiz_id, user_id] = score
    return scores


class TestsModule(ScoreModule):
    name = "tests"
    label = gettext_lazy("Tests")

    def figures(
        self, *, season: Season, track: str, participants: Sequence[ParticipantRow | Participant]
    ) -> dict[int, Figure]:
        quizzes = required_quizzes(season_id=season.id, track=track)
        user_ids = {p.user_id for p in participants} if len(participants) < 1000 else None
        scores = counting_scores(quizzes=quizzes, user_ids=user_ids)
        done_template, failed_template, summary_template = (
            _("%(title)s: %(score)s%%"),
            _("Not passed: %(title)s, %(score)s%% of %(mark)s%% needed"),
            _("%(done)s of %(total)s required tests passed"),
        )
        not_taken = {
            quiz.id: _("Not taken: %(title)s, closes on %(date)s")
            % {"title": quiz.title, "date": _date(quiz.closes_at)}
            if quiz.closes_at
            else _("Not taken: %(title)s") % {"title": quiz.title}
            for quiz in quizzes
        }
        total = len(quizzes)

        def figure_for(own_scores: tuple) -> Figure:
            done, missing = [], []
            for quiz, score in zip(quizzes, own_scores):
                if score is None:
                    missing.append(not_taken[quiz.id])
                elif score >= float(quiz.pass_mark):
                    done.append(done_template % {"title": quiz.title, "score": round(score * 100)})
                else:
                    missing.append(
                        failed_template
                        % {"title": quiz.title, "score": round(score * 100), "mark": round(float(quiz.pass_mark) * 100)}
                    )
            return Figure(
                value=clamp(len(done) / total) if total else 1.0,
                summary=summary_template % {"done": len(done), "total": total},
                done=done,
                missing=missing,
            )

        # One Figure per distinct tuple of counting scores, shared by the participants who have it.
        shared: dict[tuple, Figure] = {}
        result = {}
        for participant in participants:
            own_scores = tuple(scores.get((quiz.id, participant.user_id)) for quiz in quizzes)
            figure = shared.get(own_scores)
            if figure is None:
                figure = shared[own_scores] = figure_for(own_scores)
            result[participant.id] = figure
        return result


def _date(value) -> str:
    return date_format(localtime(value), "j E")
