from datetime import timedelta

import pytest
from django.utils.formats import date_format

from assessments.scores import ModuleFigure, ModuleUnavailable, score_modules
from assessments.scores.live import LiveModule
from assessments.scores.recorded import RecordedModule
from assessments.scores.tests import TestsModule
from assessments.tests.conftest import EXAMPLE, session
from assessments.tests.factories import QuizFactory, attempt_closed
from lms.models import Level, LevelChange, Track
from tests.factories import ParticipantFactory, SeasonFactory

pytestmark = pytest.mark.django_db


def test_registry_finds_the_app_modules_and_the_setting_at_call_time(settings):
    assert {"recorded", "live", "tests"} <= set(score_modules())
    assert "community" not in score_modules()
    settings.ASSESSMENTS_SCORE_MODULES = [EXAMPLE]
    modules = score_modules()
    assert modules["community"].label == "Опыт в сообществах" or str(modules["community"].label)


def test_example_module_gives_a_figure_per_participant(settings):
    settings.ASSESSMENTS_SCORE_MODULES = [EXAMPLE]
    season = SeasonFactory()
    active = ParticipantFactory(season=season, application__youth_organisations=True)
    quiet = ParticipantFactory(season=season)
    figures = score_modules()["community"].figures(
        season=season, track=Track.INTRODUCTORY, participants=[active, quiet]
    )
    assert figures[active.id].value == 1.0 and figures[quiet.id].value == 0.0


def test_tests_module_counts_best_or_last_as_the_editor_chose():
    season = SeasonFactory()
    participant = ParticipantFactory(season=season)
    best = QuizFactory(season=season, title="Лучшая", score_policy="best", pass_mark=0.6)
    last = QuizFactory(season=season, title="Последняя", score_policy="last", pass_mark=0.6)
    # Retaken: 0.8 first, then 0.4. Best keeps 0.8 (passed); last keeps 0.4 (not passed).
    for quiz in (best, last):
        attempt_closed(quiz=quiz, user=participant.user, number=1, score=0.8)
        attempt_closed(quiz=quiz, user=participant.user, number=2, score=0.4)
    figure = TestsModule().figures(season=season, track=participant.track, participants=[participant])[participant.id]
    assert figure.value == 0.5
    assert figure.done == ["Лучшая: 80%"]
    assert figure.missing == ["Не сдан: Последняя, 40% из 60% нужных"]


def test_tests_module_after_a_level_change_judges_the_current_track():
    """Rule: a participant is judged on the track they are on at the run. A shared test (no track)
    passed before the move counts; a test only the old track required no longer does."""
    season = SeasonFactory()
    participant = ParticipantFactory(season=season, level=Level.YOUNG)
    shared = QuizFactory(season=season, track="", title="Общий")
    old_only = QuizFactory(season=season, track=Track.INTRODUCTORY, title="Вводный")
    new_only = QuizFactory(season=season, track=Track.ADVANCED, title="Продвинутый")
    attempt_closed(quiz=shared, user=participant.user, number=1, score=1.0)
    attempt_closed(quiz=old_only, user=participant.user, number=1, score=1.0)
    participant.level, participant.track = Level.PRO, Track.ADVANCED
    participant.save(update_fields=["level", "track"])
    LevelChange.objects.create(
        participant=participant, from_level=Level.YOUNG, to_level=Level.PRO, to_track=Track.ADVANCED, rule="test"
    )
    figure = TestsModule().figures(season=season, track=participant.track, participants=[participant])[participant.id]
    assert figure.value == 0.5
    assert figure.done == ["Общий: 100%"]
    assert len(figure.missing) == 1 and "Продвинутый" in figure.missing[0]
    assert new_only.id


def test_tests_module_with_no_required_tests_is_complete():
    season = SeasonFactory()
    participant = ParticipantFactory(season=season)
    QuizFactory(season=season, required=False)
    QuizFactory(season=season, diagnostic_phase="start")
    figure = TestsModule().figures(season=season, track=participant.track, participants=[participant])[participant.id]
    assert figure.value == 1.0


def test_recorded_module_uses_the_extended_deadline_in_what_is_missing(fake_courses, now):
    season = SeasonFactory()
    participant = ParticipantFactory(season=season)
    deadline = now.replace(month=9, day=12, hour=12)
    fake_courses.lectures = [
        {"id": 1, "title": "Право", "course_id": 1, "deadline": deadline, "duration": 3600},
        {"id": 2, "title": "Экономика", "course_id": 1, "deadline": deadline, "duration": 3600},
        {"id": 3, "title": "Этика", "course_id": 1, "deadline": deadline, "duration": 3600},
    ]
    # The contract counts only completions before the (extended) deadline: lecture 1 was watched
    # in time, lecture 2 within its extension (so it is reported), lecture 3 too late (not reported).
    fake_courses.completed = {participant.user_id: {1: now, 2: now}}
    fake_courses.deadlines = {participant.user_id: {3: deadline + timedelta(days=3)}}
    figure = RecordedModule().figures(season=season, track=participant.track, participants=[participant])[
        participant.id
    ]
    assert figure.value == pytest.approx(2 / 3, abs=1e-4)
    assert figure.done == ["Право", "Экономика"]
    assert figure.missing == ["Не просмотрено: Этика, закрыто 15 сентября"]


def test_recorded_module_reports_unavailable_without_the_courses_contract(monkeypatch):
    import courses.selectors

    monkeypatch.delattr(courses.selectors, "required_lectures_completion", raising=False)
    season = SeasonFactory()
    participant = ParticipantFactory(season=season)
    with pytest.raises(ModuleUnavailable):
        RecordedModule().figures(season=season, track=participant.track, participants=[participant])


@pytest.mark.parametrize(("leave", "expected"), [(True, 0.5), (False, 1 / 3)])
def test_live_module_excused_session_per_season_setting(fake_live, now, leave, expected):
    season = SeasonFactory(excused_sessions_leave_denominator=leave)
    participant = ParticipantFactory(season=season)
    fake_live.sessions = [session(1, starts=now), session(2, starts=now), session(3, starts=now)]
    fake_live.attendance = {
        participant.user_id: {
            1: {"covered_seconds": 3600, "percent": 100.0, "status": "present"},
            2: {"covered_seconds": 0, "percent": 0.0, "status": "excused"},
            3: {"covered_seconds": 0, "percent": 0.0, "status": "absent"},
        }
    }
    figure = LiveModule().figures(season=season, track=participant.track, participants=[participant])[participant.id]
    assert figure.value == pytest.approx(expected, abs=1e-4)
    assert "1 из 3" in figure.summary
    assert any("Эфир 3" in line for line in figure.missing)


def test_live_module_weighs_by_scheduled_minutes(fake_live, now):
    season = SeasonFactory()
    participant = ParticipantFactory(season=season)
    ahead = {**session(3, starts=now, minutes=60), "finished": False}
    fake_live.sessions = [session(1, starts=now, minutes=90), session(2, starts=now, minutes=30), ahead]
    fake_live.attendance = {
        participant.user_id: {
            1: {"covered_seconds": 90 * 60, "percent": 100.0, "status": "present"},
            2: {"covered_seconds": 10 * 60, "percent": 33.3, "status": "late"},
        }
    }
    figure = LiveModule().figures(season=season, track=participant.track, participants=[participant])[participant.id]
    assert figure.value == pytest.approx(100 / 120, abs=1e-4)
    assert "2 из 2" in figure.summary


def test_recorded_module_says_due_by_for_a_deadline_still_ahead(fake_courses):
    from django.utils import timezone

    season = SeasonFactory()
    participant = ParticipantFactory(season=season)
    ahead = timezone.now() + timedelta(days=10)
    fake_courses.lectures = [{"id": 1, "title": "Право", "course_id": 1, "deadline": ahead, "duration": 3600}]
    fake_courses.completed = {}
    fake_courses.deadlines = {}
    figure = RecordedModule().figures(season=season, track=participant.track, participants=[participant])[
        participant.id
    ]
    assert figure.missing == [f"Не просмотрено: Право, срок до {date_format(timezone.localtime(ahead), 'j E')}"]


def test_figures_are_grouped_by_value_not_by_object():
    """A module may hand out a fresh ModuleFigure per participant: equal figures are still one
    key (no contract depends on object identity), and the encoder writes them once."""
    from assessments.snapshot import FigureEncoder

    first = ModuleFigure(value=0.5, summary="1 of 2", done=["A"], missing=["B"])
    second = ModuleFigure(value=0.5, summary="1 of 2", done=["A"], missing=["B"])
    other = ModuleFigure(value=0.5, summary="1 of 2", done=["B"], missing=["A"])
    assert first is not second and first == second and hash(first) == hash(second)
    assert len({first, second, other}) == 2
    encode = FigureEncoder(names=["m"])
    assert encode([first]) == encode([second]) != encode([other])
    assert len(encode._figures) == 2


def test_counting_scores_are_grouped_the_same_on_either_database_path(monkeypatch, django_assert_num_queries):
    """The tests module's input: users grouped by the score that counts on each test (best or last,
    started before the deadline or within the user's extension), by one PostgreSQL statement or,
    for the embedded demo, row by row; both say the same."""
    from django.db import connection
    from django.utils import timezone

    from assessments.models import Attempt, QuizDeadlineExtension
    from assessments.scores.tests import counting_score_groups, extended_deadlines, required_quizzes

    season = SeasonFactory()
    closed = timezone.now() - timedelta(days=1)
    best = QuizFactory(season=season, score_policy="best", closes_at=closed)
    last = QuizFactory(season=season, score_policy="last", closes_at=None)
    people = [ParticipantFactory(season=season) for _i in range(5)]
    retaker, late, extended, open_only, same = (person.user for person in people)
    for user in (retaker, same):
        for quiz in (best, last):
            attempt_closed(quiz=quiz, user=user, number=1, score=0.8)
            attempt_closed(quiz=quiz, user=user, number=2, score=0.4)
    Attempt.objects.filter(quiz=best, user__in=[retaker, same]).update(started_at=closed - timedelta(hours=1))
    for user in (late, extended):  # started after the deadline: counts only within an extension
        attempt = attempt_closed(quiz=best, user=user, number=1, score=0.9)
        Attempt.objects.filter(pk=attempt.pk).update(started_at=closed + timedelta(hours=1))
    QuizDeadlineExtension.objects.create(
        quiz=best, user=extended, deadline=closed + timedelta(days=2), policy_deadline=closed, reason="Болел"
    )
    Attempt.objects.create(quiz=last, user=open_only, number=1, seed=1, question_ids=[], started_at=closed)

    quizzes = required_quizzes(season_id=season.id, track=people[0].track)
    assert [quiz.id for quiz in quizzes] == [best.id, last.id]

    def grouped(user_ids):
        extensions = extended_deadlines(quizzes=quizzes, user_ids=user_ids)
        return {
            user_id: group.scores
            for group in counting_score_groups(quizzes=quizzes, user_ids=user_ids, extended=extensions)
            for user_id in group.user_ids
        }

    with django_assert_num_queries(2):  # extensions, the grouped statement
        by_sql = grouped(None)
    assert by_sql == {retaker.id: (0.8, 0.4), same.id: (0.8, 0.4), extended.id: (0.9, None)}
    asked = {late.id, extended.id, same.id}
    by_sql_asked = grouped(asked)
    monkeypatch.setattr(connection, "vendor", "sqlite")
    assert grouped(None) == by_sql
    assert grouped(asked) == by_sql_asked == {user_id: by_sql[user_id] for user_id in asked if user_id in by_sql}
