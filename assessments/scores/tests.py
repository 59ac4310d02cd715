from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from django.db import connection
from django.db.models import Exists, Max, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.models import Attempt, Quiz, QuizDeadlineExtension
from assessments.models.quizzes import DiagnosticPhase, ScorePolicy
from assessments.scores import DatedScoreModule, ModuleAssessment, ModuleFigure, ParticipantRow, clamp, day
from assessments.selectors.quizzes import extended_deadlines, quiz_list_for_track

if TYPE_CHECKING:
    from lms.models import Participant, Season


def required_quizzes(*, season_id: int, track: str) -> list[Quiz]:
    """A test without a track is shared: passing it counts whatever track the participant is on.
    `has_extensions` says whether anyone has a later deadline for it, so the extensions are read
    only when there are some. (A diagnostic counts for nothing.)"""
    return [
        quiz
        for quiz in quiz_list_for_track(season_id=season_id, track=track)
        if quiz.required and quiz.diagnostic_phase == DiagnosticPhase.NONE
    ]


def _in_time(quizzes: Sequence[Quiz]) -> Q | None:
    """An attempt counts when it was started before the participant's deadline: the test's own,
    or their extension's when one moves it later. (Starting is what the deadline governs; a timed
    attempt cannot run past it either.)"""
    if all(quiz.closes_at is None for quiz in quizzes):
        return None
    condition = Q()
    for quiz in quizzes:
        if quiz.closes_at is None:
            condition |= Q(quiz_id=quiz.id)
            continue
        condition |= Q(quiz_id=quiz.id, started_at__lt=quiz.closes_at)
        if getattr(quiz, "has_extensions", True):
            extended = QuizDeadlineExtension.objects.filter(
                quiz_id=quiz.id, user_id=OuterRef("user_id"), deadline__gt=OuterRef("started_at")
            )
            condition |= Q(Exists(extended), quiz_id=quiz.id)
    return condition


def counting_scores(*, quizzes: Sequence[Quiz], user_ids: set[int] | None) -> dict[tuple[int, int], float]:
    """(quiz id, user id) → the score that counts: best or last closed attempt started in time.
    Two queries. (The embedded demo's path of `counting_score_groups`.)"""
    scores: dict[tuple[int, int], float] = {}
    closed = Attempt.objects.filter(closed_at__isnull=False, score__isnull=False)
    if user_ids is not None:
        closed = closed.filter(user_id__in=user_ids)
    in_time = _in_time(quizzes)
    if in_time is not None:
        closed = closed.filter(in_time)
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


class ScoreGroup(NamedTuple):
    """Users with the same counting score on every test (in the order of the tests asked about;
    None where no attempt counts)."""

    scores: tuple[float | None, ...]
    user_ids: list[int]


def counting_score_groups(
    *, quizzes: Sequence[Quiz], user_ids: set[int] | None, extended: dict[int, dict[int, datetime]]
) -> list[ScoreGroup]:
    """The users with a counting attempt, grouped by their counting scores (`counting_scores`'
    rules: the best or the last closed attempt started before the deadline, or within the user's
    extension, `extended` as `extended_deadlines` gives it). On PostgreSQL one statement does it:
    one row per user folded in a hash (a FILTERed aggregate per test), then users grouped by their
    scores, so an admission run reads a few hundred rows, not 1,000,000 attempts."""
    if not quizzes:
        return []
    if connection.vendor != "postgresql":
        by_user: dict[int, dict[int, float]] = {}
        for (quiz_id, user_id), score in counting_scores(quizzes=quizzes, user_ids=user_ids).items():
            by_user.setdefault(user_id, {})[quiz_id] = score
        groups: dict[tuple, list[int]] = {}
        for user_id, own in by_user.items():
            groups.setdefault(tuple(own.get(quiz.id) for quiz in quizzes), []).append(user_id)
        return [ScoreGroup(scores, users) for scores, users in groups.items()]
    granted = [(user_id, quiz_id, moment) for user_id, own in extended.items() for quiz_id, moment in own.items()]
    params: dict = {
        "quiz_ids": [quiz.id for quiz in quizzes],
        "user_ids": None if user_ids is None else list(user_ids),
        "granted_users": [user_id for user_id, _quiz, _moment in granted],
        "granted_quizzes": [quiz_id for _user, quiz_id, _moment in granted],
        "granted_deadlines": [moment for _user, _quiz, moment in granted],
    }
    columns = []
    for number, quiz in enumerate(quizzes):
        params[f"quiz_{number}"] = quiz.id
        counted = f"a.quiz_id = %(quiz_{number})s"
        if quiz.closes_at is not None:
            params[f"closes_{number}"] = quiz.closes_at
            deadline = f"GREATEST(%(closes_{number})s, e.deadline)" if granted else f"%(closes_{number})s::timestamptz"
            counted += f" AND a.started_at < {deadline}"
        columns.append(
            f"max(a.score) FILTER (WHERE {counted})"
            if quiz.score_policy == ScorePolicy.BEST
            # The last attempt's score: the greatest [number, score] pair.
            else f"(max(ARRAY[a.number::float8, a.score]) FILTER (WHERE {counted}))[2]"
        )
    keys = ", ".join(f"s{number}" for number in range(len(columns)))
    extensions = (
        """LEFT JOIN unnest(%(granted_users)s::bigint[], %(granted_quizzes)s::bigint[],
                            %(granted_deadlines)s::timestamptz[]) AS e(user_id, quiz_id, deadline)
             ON e.user_id = a.user_id AND e.quiz_id = a.quiz_id"""
        if granted
        else ""
    )
    statement = f"""
        SELECT {keys}, array_agg(user_id) FROM (
            SELECT a.user_id, {", ".join(f"{column} AS s{n}" for n, column in enumerate(columns))}
            FROM {Attempt._meta.db_table} a {extensions}
            WHERE a.quiz_id = ANY(%(quiz_ids)s::bigint[]) AND a.closed_at IS NOT NULL AND a.score IS NOT NULL
              {"" if user_ids is None else "AND a.user_id = ANY(%(user_ids)s::bigint[])"}
            GROUP BY a.user_id
        ) per_user
        GROUP BY {keys}"""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        rows = cursor.fetchall()
    # A user whose attempts all came too late has a row of Nones: no counting attempt, no group.
    return [ScoreGroup(tuple(scores), users) for *scores, users in rows if any(s is not None for s in scores)]


class TestsModule(DatedScoreModule):
    name = "tests"
    label = gettext_lazy("Tests")
    open_text = gettext_lazy("tests open until %(date)s")

    def required_count(self, *, season: "Season", track: str) -> int:
        return len(required_quizzes(season_id=season.id, track=track))

    def assess(
        self,
        *,
        season: "Season",
        track: str,
        participants: "Sequence[ParticipantRow | Participant]",
        now: datetime,
    ) -> ModuleAssessment:
        quizzes = required_quizzes(season_id=season.id, track=track)
        user_ids = {p.user_id for p in participants} if len(participants) < 1000 else None
        extended = extended_deadlines(quizzes=quizzes, user_ids=user_ids)
        groups = counting_score_groups(quizzes=quizzes, user_ids=user_ids, extended=extended)
        done_template, failed_template, summary_template = (
            _("%(title)s: %(score)s%%"),
            _("Not passed: %(title)s, %(score)s%% of %(mark)s%% needed"),
            _("%(done)s of %(total)s required tests passed"),
        )
        not_taken_texts: dict[tuple[int, datetime | None], str] = {}

        def not_taken(quiz: Quiz, deadline: datetime | None) -> str:
            """What a participant is told of a test not taken, with their own deadline."""
            text = not_taken_texts.get((quiz.id, deadline))
            if text is None:
                text = not_taken_texts[quiz.id, deadline] = (
                    _("Not taken: %(title)s, closes on %(date)s") % {"title": quiz.title, "date": day(deadline)}
                    if deadline
                    else _("Not taken: %(title)s") % {"title": quiz.title}
                )
            return text

        total = len(quizzes)
        no_extensions: dict[int, datetime] = {}
        # One ModuleFigure per distinct tuple of counting scores (and extended deadlines, for the few who
        # have any), shared by the participants who have it.
        shared: dict[tuple, ModuleFigure] = {}

        def figure_for(own_scores: tuple, own_deadlines: dict[int, datetime]) -> ModuleFigure:
            key = (own_scores, tuple(sorted(own_deadlines.items()))) if own_deadlines else own_scores
            figure = shared.get(key)
            if figure is not None:
                return figure
            done, missing = [], []
            for quiz, score in zip(quizzes, own_scores):
                if score is None:
                    missing.append(not_taken(quiz, own_deadlines.get(quiz.id, quiz.closes_at)))
                elif score >= float(quiz.pass_mark):
                    done.append(done_template % {"title": quiz.title, "score": round(score * 100)})
                else:
                    missing.append(
                        failed_template
                        % {"title": quiz.title, "score": round(score * 100), "mark": round(float(quiz.pass_mark) * 100)}
                    )
            figure = shared[key] = ModuleFigure(
                value=clamp(len(done) / total) if total else 1.0,
                summary=summary_template % {"done": len(done), "total": total},
                done=done,
                missing=missing,
            )
            return figure

        no_scores = (None,) * total
        # Whoever is in no group has no counting attempt.
        result = dict.fromkeys([p.id for p in participants], figure_for(no_scores, no_extensions))
        participant_of = {p.user_id: p.id for p in participants}
        scores_of_extended: dict[int, tuple] = {}
        for scores, users in groups:
            figure = figure_for(scores, no_extensions)
            for user_id in users:
                participant_id = participant_of.get(user_id)
                if participant_id is not None:  # someone the run did not ask about
                    result[participant_id] = figure
                    if user_id in extended:
                        scores_of_extended[user_id] = scores
        still_open: dict[int, list[tuple[str, datetime]]] = {}
        for user_id, own_deadlines in extended.items():
            participant_id = participant_of.get(user_id)
            if participant_id is None:
                continue
            own_scores = scores_of_extended.get(user_id, no_scores)
            result[participant_id] = figure_for(own_scores, own_deadlines)
            # An extension still ahead on a test not passed yet may change this participant's figure.
            pending = [
                (quiz.title, own_deadlines[quiz.id])
                for quiz, score in zip(quizzes, own_scores)
                if own_deadlines.get(quiz.id, now) > now and (score is None or score < float(quiz.pass_mark))
            ]
            if pending:
                still_open[participant_id] = pending
        ahead = [quiz.closes_at for quiz in quizzes if quiz.closes_at and quiz.closes_at > now]
        return ModuleAssessment(result, total, max(ahead, default=None), still_open)
