"""Demo content of this app, created when `seed_demo` runs (idempotent).

* The demo season (in its education block) gets a question bank, a required final test, and the
  start/end skills diagnostics, with demo-beginner's diagnostics taken so the growth chart shows.
* A past season whose education block is over, with twelve participants of its own, four
  required tests taken with different results, a policy with a review band, and one admission
  run: admitted, not admitted and review cases for staff to look at, override and publish.
  (Its lectures and live sessions are not seeded: the courses and live apps offer no service to
  create them, so those modules count nothing as required there.)"""

from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.utils import timezone

from assessments.models import (
    AdmissionPolicy,
    AdmissionRun,
    Answer,
    Attempt,
    ExpertAssignment,
    InterviewPlan,
    InterviewSlot,
    Question,
    QuestionBank,
    QuestionKind,
    Quiz,
)
from assessments.services.admission import admission_policy_save, admission_run_execute
from lms.choices import Track
from lms.selectors import participant_list
from lms.services import ApplicationData, application_submit, season_ensure

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

PAST_PEOPLE = [  # username, last name, first name, region, passed tests out of 4
    ("demo-past-01", "Алексеева", "Анна", "77", 4),
    ("demo-past-02", "Борисов", "Борис", "78", 4),
    ("demo-past-03", "Васильева", "Вера", "16", 4),
    ("demo-past-04", "Григорьев", "Глеб", "54", 4),
    ("demo-past-05", "Дмитриева", "Дарья", "23", 4),
    ("demo-past-06", "Егоров", "Егор", "66", 3),
    ("demo-past-07", "Жукова", "Жанна", "25", 3),
    ("demo-past-08", "Зайцев", "Захар", "02", 3),
    ("demo-past-09", "Иванова", "Ирина", "52", 2),
    ("demo-past-10", "Козлов", "Кирилл", "61", 1),
    ("demo-past-11", "Лебедева", "Лидия", "39", 0),
    ("demo-past-12", "Морозов", "Максим", "38", 2),
]


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


def _past_season(today: date) -> "Season":
    return season_ensure(
        slug="demo-past-season",
        name="ProКадры — прошлый сезон (демо)",
        campaign_starts_on=today - timedelta(days=200),
        campaign_ends_on=today - timedelta(days=150),
        education_starts_on=today - timedelta(days=149),
        education_ends_on=today - timedelta(days=60),
        interviews_starts_on=today - timedelta(days=59),
        interviews_ends_on=today - timedelta(days=40),
        internships_starts_on=today - timedelta(days=39),
        internships_ends_on=today - timedelta(days=10),
        closing_starts_on=today - timedelta(days=9),
        closing_ends_on=today - timedelta(days=1),
        age_reference_date=today - timedelta(days=200),
    )


def _past_people(season: "Season") -> None:
    User = get_user_model()
    for username, last_name, first_name, region, _passed in PAST_PEOPLE:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first_name, "last_name": last_name, "email": f"{username}@prokadry.local"},
        )
        if created:
            user.set_password("demo12345")
            user.save(update_fields=["password"])
        if participant_list(season=season).filter(user=user).exists():
            continue
        data = ApplicationData(
            last_name=last_name,
            first_name=first_name,
            email=f"{username}@prokadry.local",
            date_of_birth=date(2001, 3, 14),
            region_code=region,
            education_level="higher_incomplete",
            institution="Демо-университет",
            internship_preference="roiv",
            internship_reason="Хочу работать в своём регионе.",
            personal_data_consent=True,
            youth_organisations=True,
        )
        application_submit(season=season, data=data, user=user, today=season.campaign_starts_on)


def demo_assessments_seed(sender, season, stdout=None, **kwargs) -> None:
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

    past = _past_season(timezone.localdate())
    _past_people(past)
    required = [
        _quiz(
            season=past,
            title=f"Тест модуля {number}",
            bank=bank,
            question_count=4,
            pass_mark=0.6,
            closes_at=now - timedelta(days=61),
        )
        for number in range(1, 5)
    ]
    people = {p.user.username: p for p in participant_list(season=past)}
    for username, *_rest, passed in PAST_PEOPLE:
        participant = people[username]
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
    if expert is not None:
        for username in ("demo-past-01", "demo-past-06", "demo-past-10"):
            ExpertAssignment.objects.get_or_create(expert=expert, participant=people[username])
    for track in Track.values:
        if not AdmissionPolicy.objects.filter(season=past, track=track).exists():
            # A quarter below a minimum goes to review: three tests out of four → a person decides.
            admission_policy_save(policy=AdmissionPolicy(season=past, track=track, borderline_band="0.25"))
    staff = get_user_model().objects.filter(username="demo-staff").first()
    policy = AdmissionPolicy.objects.get(season=past, track=Track.INTRODUCTORY)
    if staff is not None and not AdmissionRun.objects.filter(season=past).exists():
        run = AdmissionRun.objects.create(
            season=past,
            track=policy.track,
            policy=policy,
            policy_version=policy.version,
            policy_content=policy.content(),
            started_by=staff,
        )
        admission_run_execute(run_id=run.id)
        if stdout is not None:
            counts = {}
            for decision in run.decisions.values_list("decision", flat=True):
                counts[decision] = counts.get(decision, 0) + 1
            stdout.write(f"Admission run #{run.id} of {past.name}: {counts}")
