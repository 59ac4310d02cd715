"""The built-in modules and the admission run on real data of the courses and live apps (their
contracts, no fakes): a participant moved to another level (track) mid-block, and the run's query
count with the default policy."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from assessments.models import AdmissionPolicy, AdmissionRun
from assessments.scores.live import LiveModule
from assessments.scores.recorded import RecordedModule
from assessments.selectors.admission import snapshot_lines
from assessments.services.admission import admission_run_execute
from assessments.services.admission_policy import admission_policy_for
from assessments.tests.factories import QuizFactory, attempt_closed
from courses.models import LectureProgress
from courses.tests.factories import course_make, lecture_make
from live.models import Attendance, ManualMark
from live.tests.factories import LiveSessionFactory
from lms import roles
from lms.models import Level, Track
from lms.services import participant_level_override
from tests.factories import ParticipantFactory, SeasonFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    user = UserFactory(username="staff-real-data")
    user.groups.add(Group.objects.get_or_create(name=roles.STAFF)[0])
    return user


def completed(user, lecture, *, at):
    return LectureProgress.objects.create(
        user=user, lecture=lecture, spans=[], watched_seconds=120, progress=1.0, completed_at=at
    )


def held(season, track, course, *, days_ago: float, minutes: int = 60, title: str = ""):
    starts = timezone.now().replace(microsecond=0) - timedelta(days=days_ago)
    return LiveSessionFactory(
        season=season,
        track=track,
        course=course,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=minutes),
        **({"title": title} if title else {}),
    )


def present(session, user, *, share: float = 1.0, status: str = "present"):
    window = int((session.ends_at - session.starts_at).total_seconds())
    return Attendance.objects.create(
        session=session, user=user, covered_seconds=int(window * share), window_seconds=window, status=status
    )


def moved_to_pro(participant, staff):
    return participant_level_override(
        participant=participant, level=Level.PRO, reason="Решение экспертной комиссии", actor=staff
    )


def test_recorded_after_a_level_change_counts_the_new_tracks_lectures(staff):
    """Rule: the participant is judged on the required lectures of the track they are on at the
    run. Lectures watched on the old track stay watched (they are not lost if the move is undone)
    but do not count for the new track; the new track's lectures are due by their own deadlines."""
    season = SeasonFactory()
    intro, advanced = course_make(season=season), course_make(season=season, track=Track.ADVANCED)
    basics = [lecture_make(course=intro) for _i in range(2)]
    advanced_lecture = lecture_make(course=advanced)
    participant = ParticipantFactory(season=season, level=Level.YOUNG)
    for lecture in basics:
        completed(participant.user, lecture, at=timezone.now() - timedelta(hours=2))

    before = RecordedModule().figures(season=season, track=Track.INTRODUCTORY, participants=[participant])
    assert before[participant.id].value == 1.0

    participant = moved_to_pro(participant, staff)
    assert participant.track == Track.ADVANCED
    after = RecordedModule().figures(season=season, track=participant.track, participants=[participant])
    figure = after[participant.id]
    assert figure.value == 0.0 and figure.done == []
    assert figure.missing == [f"Не просмотрено: {advanced_lecture.title}, срок до " + figure.missing[0].split("до ")[1]]

    completed(participant.user, advanced_lecture, at=timezone.now())
    again = RecordedModule().figures(season=season, track=participant.track, participants=[participant])
    assert again[participant.id].value == 1.0 and again[participant.id].done == [advanced_lecture.title]
    assert LectureProgress.objects.filter(user=participant.user, completed_at__isnull=False).count() == 3


@pytest.mark.parametrize(("leave", "expected"), [(True, 1.0), (False, 0.5)])
def test_live_after_a_level_change_counts_the_new_tracks_sessions_and_staff_may_excuse_earlier_ones(
    staff, leave, expected
):
    """Rule: presence is counted over the required sessions of the track the participant is on at
    the run, those held before the move included (the old track's sessions no longer count). A
    session of the new track held before the move is a miss unless staff mark it excused; then the
    season's setting decides whether it leaves the denominator."""
    season = SeasonFactory(excused_sessions_leave_denominator=leave)
    intro, advanced = course_make(season=season), course_make(season=season, track=Track.ADVANCED)
    old_track = held(season, Track.INTRODUCTORY, intro, days_ago=10, title="Вводный эфир")
    before_move = held(season, Track.ADVANCED, advanced, days_ago=9, title="Продвинутый до перевода")
    after_move = held(season, Track.ADVANCED, advanced, days_ago=2, title="Продвинутый после перевода")
    participant = ParticipantFactory(season=season, level=Level.YOUNG)
    present(old_track, participant.user)

    intro_figure = LiveModule().figures(season=season, track=Track.INTRODUCTORY, participants=[participant])
    assert intro_figure[participant.id].value == 1.0

    participant = moved_to_pro(participant, staff)
    present(after_move, participant.user)
    figure = LiveModule().figures(season=season, track=participant.track, participants=[participant])[participant.id]
    assert figure.value == 0.5
    assert "1 из 2" in figure.summary
    assert len(figure.missing) == 1 and "Продвинутый до перевода" in figure.missing[0]
    assert not any("Вводный эфир" in line for line in figure.missing)

    ManualMark.objects.create(
        session=before_move, user=participant.user, status="excused", comment="Переведён позже", marked_by=staff
    )
    figure = LiveModule().figures(season=season, track=participant.track, participants=[participant])[participant.id]
    assert figure.value == pytest.approx(expected)


def _default_policy_season():
    """A season's introductory track with the default policy: two required lectures, two held
    sessions and one required test."""
    season = SeasonFactory()
    course = course_make(season=season)
    lectures = [lecture_make(course=course) for _i in range(2)]
    sessions = [held(season, Track.INTRODUCTORY, course, days_ago=days) for days in (5, 3)]
    quiz = QuizFactory(season=season, title="Итоговый", pass_mark=0.6)
    policy = admission_policy_for(season=season, track=Track.INTRODUCTORY)
    assert [rule["module"] for rule in policy.rules] == ["recorded", "live", "tests"]
    return season, lectures, sessions, quiz


def _participant(season, lectures, sessions, quiz, *, number: int):
    """Participants in three patterns: all done, live missed, test failed and a lecture missed."""
    participant = ParticipantFactory(season=season)
    user, pattern = participant.user, number % 3
    for index, lecture in enumerate(lectures):
        if not (pattern == 2 and index == 1):
            completed(user, lecture, at=timezone.now() - timedelta(days=1))
    for session in sessions:
        present(session, user, share=0.3 if pattern == 1 else 1.0)
    attempt_closed(quiz=quiz, user=user, number=1, score=0.2 if pattern == 2 else 0.9)
    return participant


def test_admission_run_query_count_with_the_default_policy_on_real_data(staff, django_assert_num_queries):
    season, lectures, sessions, quiz = _default_policy_season()
    people = [_participant(season, lectures, sessions, quiz, number=n) for n in range(3)]

    def measured(expected_decisions):
        policy = AdmissionPolicy.objects.get(season=season, track=Track.INTRODUCTORY)
        run = AdmissionRun.objects.create(
            season=season,
            track=Track.INTRODUCTORY,
            policy=policy,
            policy_version=policy.version,
            policy_content=policy.content(),
            started_by=staff,
        )
        # claim (1), re-fetch the run (1), progress (2); the reads: savepoint + their settings +
        # release (3), participants (1); recorded: courses, lectures and their videos (3),
        # completions grouped (1) (nobody has an extension: none are read); live: sessions (1),
        # attendance grouped (1) (nobody was marked by hand: no marks read); tests: required tests
        # (1), counting scores grouped (1); the write:
        # savepoint + the run's conditional update + the shared evidence + release (4). The
        # decisions go in with one COPY, which Django's counter does not see.
        with django_assert_num_queries(20):
            admission_run_execute(run_id=run.id)
        run.refresh_from_db()
        assert run.status == "done", run.error
        decisions = dict(run.decisions.values_list("participant_id", "decision"))
        assert decisions == expected_decisions
        return run

    measured({people[0].id: "admitted", people[1].id: "not_admitted", people[2].id: "not_admitted"})
    people.append(_participant(season, lectures, sessions, quiz, number=3))
    run = measured(
        {
            people[0].id: "admitted",
            people[1].id: "not_admitted",
            people[2].id: "not_admitted",
            people[3].id: "admitted",
        }
    )
    line = next(line for line in snapshot_lines(run=run) if line["participant_id"] == people[1].id)
    assert line["figures"]["live"] == 0.3 and line["figures"]["recorded"] == 1.0 and line["figures"]["tests"] == 1.0
    assert any("70%" in reason for reason in line["reasons"])
