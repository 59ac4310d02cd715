import zoneinfo
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Answer, Attempt, QuestionKind
from assessments.selectors.quizzes import diagnostics_growth
from assessments.tests.conftest import session
from assessments.tests.factories import QuestionBankFactory, QuestionFactory, QuizFactory
from live.selectors import attendance_groups
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db


def test_take_a_test_in_the_cabinet_pages(client):
    participant = ParticipantFactory()
    bank = QuestionBankFactory()
    single = QuestionFactory(bank=bank, options=["да", "нет"], correct_options=[0])
    text = QuestionFactory(bank=bank, kind=QuestionKind.TEXT, options=[], correct_options=[], accepted_answers=["ФОИВ"])
    # One attempt: right answers shown immediately after it leak to no one's next attempt.
    quiz = QuizFactory(
        season=participant.season,
        banks=[bank],
        question_count=2,
        pass_mark=0.5,
        attempts_allowed=1,
        key_shown="immediately",
    )
    client.force_login(participant.user)
    assert client.get(reverse("assessments:quiz", args=[quiz.id])).status_code == 200
    response = client.post(reverse("assessments:quiz", args=[quiz.id]))
    attempt = Attempt.objects.get()
    assert response.url == reverse("assessments:attempt", args=[attempt.id])
    page = client.get(response.url)
    assert quiz.title in page.content.decode()
    client.post(response.url, {f"q{single.id}": "0", f"q{text.id}": "фоив", "save": ""})
    assert Answer.objects.count() == 2
    client.post(response.url, {"submit": ""})
    attempt.refresh_from_db()
    assert attempt.closed_at and attempt.score == 1.0
    assert "Верный ответ" in client.get(response.url).content.decode()


def test_an_open_attempt_page_names_when_it_closes_with_the_date_and_time_left(client):
    participant = ParticipantFactory()
    bank = QuestionBankFactory()
    QuestionFactory(bank=bank, options=["да", "нет"], correct_options=[0])
    closes_at = timezone.now() + timedelta(days=2, hours=3)
    quiz = QuizFactory(season=participant.season, banks=[bank], question_count=1, closes_at=closes_at)
    client.force_login(participant.user)
    client.post(reverse("assessments:quiz", args=[quiz.id]))
    page = client.get(reverse("assessments:attempt", args=[Attempt.objects.get().id])).content.decode()
    local = timezone.localtime(closes_at, zoneinfo.ZoneInfo(participant.timezone))
    assert f"{local.day} " in page and local.strftime("%H:%M") in page
    assert "осталось 2" in page and "секунд" not in page  # "2 дня, 3 часа", not 183,600 seconds


def test_diagnostics_growth_per_competence():
    participant = ParticipantFactory()
    bank = QuestionBankFactory()
    law = QuestionFactory(bank=bank, competence="Право")
    digital = QuestionFactory(bank=bank, competence="Цифра")
    start = QuizFactory(season=participant.season, banks=[bank], diagnostic_phase="start", required=False)
    end = QuizFactory(season=participant.season, banks=[bank], diagnostic_phase="end", required=False)
    nothing_yet = diagnostics_growth(participant=participant)
    assert nothing_yet["rows"] == [] and nothing_yet["pending"] == [start, end]
    for quiz, right in ((start, {law.id}), (end, {law.id, digital.id})):
        attempt = Attempt.objects.create(
            quiz=quiz,
            user=participant.user,
            number=1,
            seed=1,
            question_ids=[law.id, digital.id],
            started_at=timezone.now(),
            closed_at=timezone.now(),
            score=0.5,
        )
        for question in (law, digital):
            Answer.objects.create(attempt=attempt, question=question, value=0, correct=question.id in right)
    rows = {
        row["competence"]: (row["start"], row["end"]) for row in diagnostics_growth(participant=participant)["rows"]
    }
    assert rows == {"Право": (100, 100), "Цифра": (0, 100)}


def test_diagnostics_chart_is_inline_svg_in_the_cabinet(client):
    participant = ParticipantFactory()
    bank = QuestionBankFactory()
    question = QuestionFactory(bank=bank, competence="Право")
    for phase in ("start", "end"):
        quiz = QuizFactory(season=participant.season, banks=[bank], diagnostic_phase=phase, required=False)
        attempt = Attempt.objects.create(
            quiz=quiz,
            user=participant.user,
            number=1,
            seed=1,
            question_ids=[question.id],
            started_at=timezone.now(),
            closed_at=timezone.now(),
            score=1,
        )
        Answer.objects.create(attempt=attempt, question=question, value=0, correct=phase == "end")
    client.force_login(participant.user)
    html = client.get(reverse("cabinet")).content.decode()
    assert '<svg role="img"' in html and "0% → 100%" in html and "http" not in html.split("<svg")[1].split("</svg>")[0]


def test_a_present_mark_without_recorded_time_counts_the_whole_session():
    now = timezone.now()
    sessions = [session(1, starts=now - timedelta(hours=3)), session(2, starts=now - timedelta(hours=2))]
    (group,) = attendance_groups(
        sessions=sessions,
        attendance={7: {1: {"covered_seconds": 0, "status": "present"}, 2: {"covered_seconds": 0, "status": "absent"}}},
    )
    assert (group.covered_seconds, group.attended, group.user_ids) == (3600, {1}, [7])


def test_editors_build_tests_in_wagtail(client):
    from django.contrib.auth.models import Group

    from lms import roles
    from lms.services import roles_sync
    from tests.factories import SeasonFactory, UserFactory

    roles_sync()
    editor = UserFactory(username="editor-one")
    editor.groups.add(Group.objects.get(name=roles.EDITOR))
    client.force_login(editor)
    bank = QuestionBankFactory(title="Банк редактора")
    assert client.get(reverse("quizzes:index")).status_code == 200
    season = SeasonFactory()
    response = client.post(
        reverse("quizzes:add"),
        {
            "title": "Новый тест",
            "season": season.id,
            "track": "",
            "banks": [bank.id],
            "question_count": 5,
            "attempts_allowed": 2,
            "pass_mark": "0.7",
            "score_policy": "best",
            "required": "on",
            "diagnostic_phase": "",
            "score_shown": "immediately",
            "answers_shown": "immediately",
            "key_shown": "closed",
            "blueprint": "{}",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    from assessments.models import Quiz

    quiz = Quiz.objects.get(title="Новый тест")
    assert list(quiz.banks.all()) == [bank] and quiz.attempts_allowed == 2


def test_staff_edit_the_policy_in_the_admin_and_the_version_moves(client):
    from assessments.models import AdmissionPolicy
    from tests.factories import SeasonFactory, UserFactory

    season = SeasonFactory()
    staff = UserFactory(username="admin-one", is_staff=True, is_superuser=True)
    client.force_login(staff)
    form = {
        "season": season.id,
        "track": "introductory",
        "borderline_band": "0.1",
        "weights": "{}",
        "capacity": "",
        "capacity_scope": "overall",
        "rules": '[{"module": "tests", "min": 1.0}]',
    }
    assert client.post("/django-admin/assessments/admissionpolicy/add/", form).status_code == 302
    policy = AdmissionPolicy.objects.get(season=season)
    assert policy.version == 1
    url = f"/django-admin/assessments/admissionpolicy/{policy.id}/change/"
    response = client.post(url, {**form, "borderline_band": "0.2"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert AdmissionPolicy.objects.get(pk=policy.pk).version == 2
    bad = client.post(url, {**form, "rules": '[{"module": "horoscope", "min": 1}]'})
    assert bad.status_code == 200 and "horoscope" in bad.content.decode()
    assert AdmissionPolicy.objects.get(pk=policy.pk).version == 2
