"""Demo content of this app, created when `seed_demo` runs (idempotent).

* The demo season (in its education block) gets a question bank, a required final test, and the
  start/end skills diagnostics, with demo-beginner's diagnostics taken so the growth chart shows.
* The past season (seed_demo makes it and its twelve participants; courses and live give it
  lectures watched and sessions attended, more or less) gets four required tests taken with
  different results and a policy with a review band.
* Then, on seed_demo's second signal (`demo_outcomes_seeded`, once every app's content exists),
  its admission run: admitted, not admitted and review cases in every module, one review case
  admitted by hand, published; the admitted book demo-expert's slots and are scored, some by two
  experts, one pair of totals far enough apart to be flagged for discussion. The interview results
  are published and the season goes on to its end in `assessments.demo_past`."""

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.utils import timezone

from assessments.demo_past import past_season_to_end_seed
from assessments.models import (
    AdmissionPolicy,
    AdmissionRun,
    Answer,
    Attempt,
    Decision,
    ExpertAssignment,
    Interview,
    InterviewPlan,
    InterviewSlot,
    Question,
    QuestionBank,
    QuestionKind,
    Quiz,
    RunStatus,
)
from assessments.models.interviews import PRESENTATION_LIMIT_SECONDS, TOPICS
from assessments.selectors.rubrics import rubric_for_season
from assessments.selectors.slots import expert_timezone
from assessments.services.admission import admission_run_execute
from assessments.services.admission_policy import admission_policy_applicable, admission_policy_save
from assessments.services.admission_publish import admission_run_publish, decision_override_add
from assessments.services.awards import award_change, certificates_issue
from assessments.services.interviews import (
    interview_book,
    interview_plan_update,
    interview_sheet_submit,
    presentation_start,
    presentation_stop,
)
from assessments.services.slots import interview_slot_create
from lms.choices import Track
from lms.selectors import participant_list

if TYPE_CHECKING:
    from lms.models import Season

QUESTIONS = [
    (
        "Право",
        QuestionKind.SINGLE,
        "Какой документ имеет высшую юридическую силу в РФ?",
        ["Конституция", "Федеральный закон", "Указ Президента"],
        [0],
        None,
        [],
    ),
    (
        "Право",
        QuestionKind.MULTIPLE,
        "Что относится к органам исполнительной власти?",
        ["Министерство", "Федеральная служба", "Государственная Дума"],
        [0, 1],
        None,
        [],
    ),
    ("Управление", QuestionKind.NUMBER, "Сколько федеральных округов в России?", [], [], 8, []),
    (
        "Управление",
        QuestionKind.TEXT,
        "Как сокращённо называют региональный орган исполнительной власти?",
        [],
        [],
        None,
        ["РОИВ"],
    ),
    (
        "Цифровые навыки",
        QuestionKind.SINGLE,
        "Что такое ГИС?",
        ["Государственная информационная система", "Глобальная интернет-сеть"],
        [0],
        None,
        [],
    ),
    (
        "Цифровые навыки",
        QuestionKind.TEXT,
        "Как называется портал государственных услуг?",
        [],
        [],
        None,
        ["Госуслуги", "gosuslugi"],
    ),
]

# Both diagnostics draw two questions of each competence, so the growth compares like with like.
DIAGNOSTIC_BLUEPRINT = {"Право": 2, "Управление": 2, "Цифровые навыки": 2}

# How many of the past season's four required tests each of its participants passed (seed_demo
# makes the participants; courses and live give them lectures watched and time present).
PAST_TESTS_PASSED = {
    "demo-past-01": 4,
    "demo-past-02": 4,
    "demo-past-03": 4,
    "demo-past-04": 4,
    "demo-past-05": 4,
    "demo-past-06": 3,
    "demo-past-07": 3,
    "demo-past-08": 3,
    "demo-past-09": 2,
    "demo-past-10": 1,
    "demo-past-11": 0,
    "demo-past-12": 2,
}


def _bank() -> QuestionBank:
    bank, _ = QuestionBank.objects.get_or_create(title="Демо: основы госуправления")
    for competence, kind, text, options, correct, number, accepted in QUESTIONS:
        Question.objects.get_or_create(
            bank=bank,
            text=text,
            defaults={
                "kind": kind,
                "competence": competence,
                "options": options,
                "correct_options": correct,
                "number_answer": number,
                "accepted_answers": accepted,
            },
        )
    return bank


def _quiz(*, season: "Season", title: str, bank: QuestionBank, **fields) -> Quiz:
    quiz, _ = Quiz.objects.get_or_create(season=season, title=title, defaults=fields)
    quiz.banks.add(bank)
    return quiz


def _diagnostic_taken(*, quiz: Quiz, user, right: set[str], when) -> None:
    if Attempt.objects.filter(quiz=quiz, user=user).exists():
        return
    question_ids = sorted(Question.objects.filter(bank__in=quiz.banks.all()).values_list("id", flat=True))
    attempt = Attempt.objects.create(
        quiz=quiz, user=user, number=1, seed=1, question_ids=question_ids, started_at=when, closed_at=when
    )
    score = 0
    for question in Question.objects.filter(id__in=question_ids):
        correct = question.competence in right
        Answer.objects.create(attempt=attempt, question=question, value="—", correct=correct)
        score += correct
    attempt.score = round(score / len(question_ids), 4)
    attempt.passed = True
    attempt.save(update_fields=["score", "passed"])


def demo_assessments_seed(sender, season, past_season=None, stdout=None, **kwargs) -> None:
    bank = _bank()
    now = timezone.now()
    _quiz(
        season=season,
        title="Итоговый тест вводного курса",
        bank=bank,
        track=Track.INTRODUCTORY,
        question_count=4,
        time_limit_minutes=15,
        attempts_allowed=2,
        pass_mark=0.75,
        closes_at=now + timedelta(days=25),
        key_shown="closed",
    )
    start = _quiz(
        season=season,
        title="Входная диагностика",
        bank=bank,
        question_count=6,
        required=False,
        diagnostic_phase="start",
        attempts_allowed=1,
        blueprint=DIAGNOSTIC_BLUEPRINT,
    )
    end = _quiz(
        season=season,
        title="Итоговая диагностика",
        bank=bank,
        question_count=6,
        required=False,
        diagnostic_phase="end",
        attempts_allowed=1,
        blueprint=DIAGNOSTIC_BLUEPRINT,
    )
    beginner = get_user_model().objects.filter(username="demo-beginner").first()
    if beginner is not None:
        _diagnostic_taken(quiz=start, user=beginner, right={"Право"}, when=now - timedelta(days=28))
        _diagnostic_taken(quiz=end, user=beginner, right={"Право", "Управление"}, when=now - timedelta(days=1))

    expert = get_user_model().objects.filter(username="demo-expert").first()
    InterviewPlan.objects.get_or_create(season=season, defaults={"offers_online": True, "offers_offline": True})
    if expert is not None:
        first_day = timezone.localtime(now).replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(days=12)
        for hour in range(4):
            starts = first_day + timedelta(hours=hour)
            InterviewSlot.objects.get_or_create(
                season=season,
                expert=expert,
                starts_at=starts,
                defaults={
                    "ends_at": starts + timedelta(minutes=30),
                    "meeting_url": "https://meet.example.org/demo-expert",
                },
            )

    if past_season is not None:
        _past_tests_seed(season=past_season, bank=bank, now=now)


def _past_tests_seed(*, season: "Season", bank: QuestionBank, now) -> None:
    required = [
        _quiz(
            season=season,
            title=f"Тест модуля {number}",
            bank=bank,
            question_count=4,
            pass_mark=0.6,
            closes_at=now - timedelta(days=61),
        )
        for number in range(1, 5)
    ]
    for participant in participant_list(season=season).select_related("user"):
        passed = PAST_TESTS_PASSED.get(participant.user.username, len(required))
        for index, quiz in enumerate(required):
            if not Attempt.objects.filter(quiz=quiz, user=participant.user).exists():
                when = now - timedelta(days=70)
                Attempt.objects.create(
                    quiz=quiz,
                    user=participant.user,
                    number=1,
                    seed=index,
                    question_ids=[],
                    started_at=when,
                    closed_at=when,
                    score=0.9 if index < passed else 0.4,
                    passed=index < passed,
                )


# The past season's interviews, in slot order: who, then each sheet as (expert: 0 demo-expert,
# 1 demo-expert2; scores by the rubric's criteria; recommended level, "" for no change; seconds the
# self-presentation overran). demo-past-02's experts are 35 points apart: flagged for discussion.
PAST_INTERVIEWS = [
    ("demo-past-01", [(0, (4, 4, 5, 4), "", 0), (1, (4, 4, 4, 4), "", 0)]),
    ("demo-past-02", [(0, (5, 4, 5, 4), "pro", 40), (1, (3, 2, 3, 3), "", 40)]),
    ("demo-past-03", [(0, (4, 3, 4, 3), "pro", 0)]),
    ("demo-past-04", [(0, (3, 3, 3, 3), "beginner", 95)]),
    ("demo-past-05", [(0, (4, 4, 3, 4), "", 0)]),
]
# A review case staff admitted by hand before publishing (the run shows the override and its reason).
PAST_OVERRIDE = ("demo-past-05", "Лекцию досмотрела после дедлайна: болела, справка приложена.")


def _past_run(*, season: "Season", staff, people: dict, stdout=None) -> AdmissionRun:
    """The past season's run of its introductory track, computed from every module's figures and
    published with one review case admitted by hand."""
    for track in Track.values:
        if not AdmissionPolicy.objects.filter(season=season, track=track).exists():
            # A quarter below a minimum goes to review: three tests out of four → a person decides.
            admission_policy_save(policy=AdmissionPolicy(season=season, track=track, borderline_band="0.25"))
    policy = AdmissionPolicy.objects.get(season=season, track=Track.INTRODUCTORY)
    run = AdmissionRun.objects.filter(season=season, track=policy.track).order_by("id").first()
    if run is None:
        run = AdmissionRun.objects.create(
            season=season,
            track=policy.track,
            policy=policy,
            policy_version=policy.version,
            policy_content=admission_policy_applicable(content=policy.content(), season=season, track=policy.track),
            started_by=staff,
        )
        run = admission_run_execute(run_id=run.id)
        if stdout is not None:
            counts = {}
            for decision in run.decisions.values_list("decision", flat=True):
                counts[decision] = counts.get(decision, 0) + 1
            stdout.write(f"Admission run #{run.id} of {season.name}: {counts}")
    if run.status == RunStatus.DONE and run.published_at is None:
        username, justification = PAST_OVERRIDE
        decision = run.decisions.filter(participant=people[username]).first()
        if decision is not None and decision.decision == Decision.REVIEW:
            decision_override_add(decision=decision, value=Decision.ADMITTED, justification=justification, user=staff)
        run = admission_run_publish(run=run, user=staff)
    return run


def _past_interviews(*, season: "Season", experts: list, people: dict, stdout=None) -> int:
    """Booked slots with demo-expert in the season's interview period and the experts' submitted
    sheets, each service called at the moment it happened then (`now`)."""
    keys = rubric_for_season(season_id=season.id).keys
    zone = expert_timezone(user=experts[0])
    first = datetime.combine(season.interviews_starts_on + timedelta(days=2), time(10), tzinfo=zone)
    made = 0
    for number, (username, sheets) in enumerate(PAST_INTERVIEWS):
        participant = people[username]
        if Interview.objects.filter(participant=participant).exists():
            continue
        starts = first + timedelta(minutes=30 * number)
        slot = InterviewSlot.objects.filter(season=season, expert=experts[0], starts_at=starts).first()
        if slot is None:
            slot = interview_slot_create(
                expert=experts[0],
                season=season,
                starts_at=starts,
                duration_minutes=30,
                meeting_url="https://meet.example.org/demo-expert",
                now=starts - timedelta(days=7),
            )
        interview = interview_book(
            participant=participant, user=participant.user, slot=slot, now=starts - timedelta(days=5)
        )
        for index, scores, level, overrun in sheets:
            expert = experts[index]
            if index:
                # A second expert scores an interview they are assigned to (the slot is demo-expert's).
                ExpertAssignment.objects.get_or_create(expert=expert, participant=participant)
            presentation_start(interview=interview, expert=expert, now=starts + timedelta(minutes=2))
            presentation_stop(
                interview=interview,
                expert=expert,
                now=starts + timedelta(minutes=2, seconds=PRESENTATION_LIMIT_SECONDS + overrun),
            )
            interview_sheet_submit(
                interview=interview,
                expert=expert,
                topics=dict.fromkeys(TOPICS, True),
                rubric=dict(zip(keys, scores)),
                comment="Уверенно рассказал о своём опыте." if scores[0] >= 4 else "Мотивация пока не ясна.",
                recommended_level=level,
                now=starts + timedelta(minutes=30),
            )
        made += 1
    if stdout is not None and made:
        stdout.write(f"Past season: {made} interviews scored")
    return made


# The past season's closing: its awards (the best finalists get an education module at RANEPA), from
# which, with the stages completed, its certificates are issued.
PAST_AWARDS = [
    ("demo-past-01", "finalist", ""),
    ("demo-past-01", "education_module", "РАНХиГС, модуль «Государственное управление»"),
    ("demo-past-02", "finalist", ""),
    ("demo-past-02", "best_project", "Проект «Цифровая приёмная»"),
]


def _past_closing(*, season: "Season", staff, people: dict, stdout=None) -> int:
    for username, kind, note in PAST_AWARDS:
        award_change(participant_id=people[username].id, kind=kind, grant=True, note=note, actor=staff)
    issued, _batch = certificates_issue(season=season, actor=staff)
    if stdout is not None and issued:
        stdout.write(f"Past season: {issued} certificates issued")
    return issued


def demo_outcomes_seed(sender, season, past_season=None, stdout=None, **kwargs) -> None:
    """seed_demo's second step (`demo_outcomes_seeded`): by now every app has seeded the past
    season's lectures, sessions and tests, so its admission run has real figures in every module;
    then the admitted participants' interviews."""
    User = get_user_model()
    staff = User.objects.filter(username="demo-staff").first()
    experts = [User.objects.filter(username=name).first() for name in ("demo-expert", "demo-expert2")]
    if past_season is None or staff is None or None in experts:
        return
    people = {p.user.username: p for p in participant_list(season=past_season).select_related("user")}
    for username in ("demo-past-01", "demo-past-06", "demo-past-10"):
        ExpertAssignment.objects.get_or_create(expert=experts[0], participant=people[username])
    if InterviewPlan.objects.filter(season=past_season).first() is None:
        interview_plan_update(season_id=past_season.id, variant="online", cancel_cutoff_hours=24, user=staff)
    run = _past_run(season=past_season, staff=staff, people=people, stdout=stdout)
    if run.published_at is not None:
        _past_interviews(season=past_season, experts=experts, people=people, stdout=stdout)
        _past_closing(season=past_season, staff=staff, people=people, stdout=stdout)
        past_season_to_end_seed(season=past_season, staff=staff, people=people, stdout=stdout)
