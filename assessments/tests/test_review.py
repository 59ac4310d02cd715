"""Tests that teach, not leak (issue 11 §3): the review options of a test — score, own answers, right
answers, each with its moment — under the rule that right answers never show while the participant
may still start an attempt; "once the test has closed" waits for the latest deadline of anyone."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Attempt, QuestionKind, Quiz
from assessments.review import Review, ReviewFacts, review_decide
from assessments.services.quizzes import answer_save, attempt_start, attempt_submit, quiz_deadline_extension_grant
from assessments.tests.factories import QuestionBankFactory, QuestionFactory, QuizFactory
from tests.factories import ParticipantFactory, UserFactory

pytestmark = pytest.mark.django_db

KEY_FIELDS = {"key", "key_text", "correct"}


# ---------------------------------------------------------------- the rule, as a table


@pytest.mark.parametrize(
    ("moment", "still_answering", "test_closed", "shown"),
    [
        ("immediately", True, False, True),
        ("immediately", False, False, True),
        ("last_attempt", True, False, False),
        ("last_attempt", False, False, True),
        ("closed", False, False, False),
        ("closed", False, True, True),
        ("never", False, True, False),
    ],
)
def test_score_and_own_answers_follow_their_moment(moment, still_answering, test_closed, shown):
    facts = ReviewFacts(attempt_closed=True, still_answering=still_answering, test_closed=test_closed)
    review = review_decide(score_shown=moment, answers_shown=moment, key_shown="never", facts=facts)
    assert (review.score, review.answers) == (shown, shown)


@pytest.mark.parametrize("moment", ["immediately", "last_attempt", "closed"])
def test_right_answers_never_while_the_participant_may_still_answer(moment):
    # Even "closed" with the test somehow closed: a participant still answering sees no key.
    facts = ReviewFacts(attempt_closed=True, still_answering=True, test_closed=True)
    assert review_decide(score_shown="never", answers_shown="never", key_shown=moment, facts=facts).key is False


def test_an_open_attempt_reviews_nothing():
    facts = ReviewFacts(attempt_closed=False, still_answering=True, test_closed=False)
    review = review_decide(score_shown="immediately", answers_shown="immediately", key_shown="immediately", facts=facts)
    assert review == Review(score=False, answers=False, key=False)


# ---------------------------------------------------------------- through the API and the pages


@pytest.fixture
def world():
    participant = ParticipantFactory()
    bank = QuestionBankFactory()
    choice = QuestionFactory(bank=bank, text="Портал услуг?", options=["Госуслуги", "Почта"], correct_options=[0])
    number = QuestionFactory(
        bank=bank, kind=QuestionKind.NUMBER, text="Сколько округов?", options=[], correct_options=[], number_answer=8
    )
    quiz = QuizFactory(
        season=participant.season, banks=[bank], question_count=2, attempts_allowed=2, key_shown="closed"
    )
    return {"participant": participant, "quiz": quiz, "choice": choice, "number": number}


def _attempt(world, *, answers=True, user=None) -> Attempt:
    user = user or world["participant"].user
    attempt = attempt_start(quiz=world["quiz"], user=user)
    if answers:
        answer_save(attempt=attempt, question_id=world["choice"].id, value=1, user=user)
        answer_save(attempt=attempt, question_id=world["number"].id, value="8", user=user)
    return attempt_submit(attempt=attempt, user=user)


def _quiz(world, **fields) -> Quiz:
    Quiz.objects.filter(pk=world["quiz"].pk).update(**fields)
    world["quiz"].refresh_from_db()
    return world["quiz"]


def _api(api_client, world, attempt) -> dict:
    api_client.force_authenticate(world["participant"].user)
    response = api_client.get(reverse("assessments:attempt-detail", args=[attempt.id]))
    assert response.status_code == 200
    return response.json()


def _page(client, world, attempt) -> str:
    client.force_login(world["participant"].user)
    return client.get(reverse("assessments:attempt", args=[attempt.id])).content.decode()


def _key_shown(api_client, client, world, attempt) -> bool:
    """The API and the page agree, and a hidden key is absent from both, not merely not drawn."""
    body = _api(api_client, world, attempt)
    in_api = [bool(KEY_FIELDS & set(question)) for question in body["questions"]]
    assert len(set(in_api)) == 1 and body["review"]["key"] == in_api[0]
    in_page = "Верный ответ" in _page(client, world, attempt)
    assert in_page == in_api[0]
    return in_page


def _close_for_everyone(world):
    past = timezone.now() - timedelta(minutes=1)
    _quiz(world, opens_at=past - timedelta(days=1), closes_at=past)


def test_key_immediately_on_a_one_attempt_test_shows_at_once(world, api_client, client):
    _quiz(world, attempts_allowed=1, key_shown="immediately")
    attempt = _attempt(world)
    assert _key_shown(api_client, client, world, attempt)


def test_key_after_the_last_attempt_waits_while_an_attempt_is_left(world, api_client, client):
    _quiz(world, key_shown="last_attempt")
    first = _attempt(world)
    assert not _key_shown(api_client, client, world, first)
    assert "после вашей последней попытки" in _page(client, world, first)
    second = _attempt(world)
    assert _key_shown(api_client, client, world, first) and _key_shown(api_client, client, world, second)


def test_key_after_the_last_attempt_shows_when_the_deadline_ends_the_attempts_left(world, api_client, client):
    _quiz(world, key_shown="last_attempt")
    attempt = _attempt(world)
    assert not _key_shown(api_client, client, world, attempt)
    _close_for_everyone(world)
    assert _key_shown(api_client, client, world, attempt)


def test_key_once_closed_waits_for_the_deadline_even_with_no_attempt_left(world, api_client, client):
    _quiz(world, attempts_allowed=1)
    attempt = _attempt(world)
    assert not _key_shown(api_client, client, world, attempt)
    _close_for_everyone(world)
    assert _key_shown(api_client, client, world, attempt)


def test_one_extension_keeps_the_key_hidden_from_everyone_until_it_passes(world, api_client, client):
    _quiz(world, attempts_allowed=1)
    attempt = _attempt(world)
    late = ParticipantFactory(season=world["participant"].season)
    quiz = world["quiz"]
    quiz_deadline_extension_grant(
        user=late.user, quiz=quiz, deadline=quiz.closes_at + timedelta(days=3), reason="Болел", granted_by=None
    )
    _close_for_everyone(world)  # the test's own deadline passes; the extension is still ahead
    assert not _key_shown(api_client, client, world, attempt)
    assert "закроется для всех" in _page(client, world, attempt)
    closed = timezone.now() - timedelta(days=10)
    Quiz.objects.filter(pk=quiz.pk).update(opens_at=closed - timedelta(days=1), closes_at=closed)
    quiz.deadline_extensions.update(deadline=closed + timedelta(days=1), policy_deadline=closed)
    assert _key_shown(api_client, client, world, attempt)


def test_an_extension_with_attempts_left_keeps_the_key_from_its_holder(world, api_client, client):
    _quiz(world, key_shown="last_attempt")
    attempt = _attempt(world)
    quiz = world["quiz"]
    quiz_deadline_extension_grant(
        user=world["participant"].user,
        quiz=quiz,
        deadline=quiz.closes_at + timedelta(days=3),
        reason="Болел",
        granted_by=None,
    )
    _quiz(world, opens_at=timezone.now() - timedelta(days=2), closes_at=timezone.now() - timedelta(days=1))
    assert not _key_shown(api_client, client, world, attempt)  # their own deadline is still ahead


def test_key_never_stays_hidden_after_the_close(world, api_client, client):
    _quiz(world, attempts_allowed=1, key_shown="never")
    attempt = _attempt(world)
    _close_for_everyone(world)
    assert not _key_shown(api_client, client, world, attempt)


def test_an_attempt_in_progress_hides_the_key_of_the_earlier_one(world, api_client, client):
    # The first attempt's key with the second one open would be answers for the second.
    _quiz(world, key_shown="last_attempt")
    first = _attempt(world)
    attempt_start(quiz=world["quiz"], user=world["participant"].user)
    assert not _key_shown(api_client, client, world, first)


@pytest.mark.parametrize(
    ("moment", "left_after_first", "shown"),
    [("immediately", 1, True), ("last_attempt", 1, False), ("closed", 1, False), ("never", 1, False)],
)
def test_score_follows_its_moment_in_the_api_and_the_pages(world, api_client, client, moment, left_after_first, shown):
    _quiz(world, score_shown=moment)
    attempt = _attempt(world)
    body = _api(api_client, world, attempt)
    assert (body["score"] is not None, body["passed"] is not None, body["review"]["score"]) == (shown,) * 3
    assert ('data-testid="attempt-score"' in _page(client, world, attempt)) == shown
    quiz_page = client.get(reverse("assessments:quiz", args=[world["quiz"].id])).content.decode()
    assert ("— 50%" in quiz_page) == shown


def test_own_answers_hidden_are_absent_from_the_api_and_the_page(world, api_client, client):
    _quiz(world, answers_shown="closed")
    attempt = _attempt(world)
    body = _api(api_client, world, attempt)
    assert not any({"answer", "answer_text"} & set(question) for question in body["questions"])
    page = _page(client, world, attempt)
    assert "Ваш ответ" not in page and "Почта" not in page.split('data-testid="review-note"')[0]
    assert "Ваши ответы будут показаны, когда тест закроется для всех." in page


# ---------------------------------------------------------------- answers as text


def test_answers_and_keys_are_the_options_text_and_numbers_as_written(world, api_client, client):
    _quiz(world, attempts_allowed=1, key_shown="immediately")
    world["number"].number_answer = Decimal("2.5000")
    world["number"].save(update_fields=["number_answer"])
    attempt = attempt_start(quiz=world["quiz"], user=world["participant"].user)
    user = world["participant"].user
    answer_save(attempt=attempt, question_id=world["choice"].id, value=1, user=user)
    answer_save(attempt=attempt, question_id=world["number"].id, value="2,50", user=user)
    attempt_submit(attempt=attempt, user=user)
    questions = {q["id"]: q for q in _api(api_client, world, attempt)["questions"]}
    choice, number = questions[world["choice"].id], questions[world["number"].id]
    assert (choice["answer_text"], choice["key_text"], choice["correct"]) == ("Почта", "Госуслуги", False)
    assert (number["answer_text"], number["key_text"], number["key"], number["correct"]) == ("2,5", "2,5", "2.5", True)
    page = _page(client, world, attempt)
    assert "Ваш ответ: <strong>Почта</strong>" in page and "Верный ответ: <strong>Госуслуги</strong>" in page
    assert "2.5000" not in page and "[0]" not in page


def test_multiple_choice_and_text_keys_read_as_text():
    from assessments.selectors.quizzes import answer_text, key_text

    multiple = QuestionFactory(
        kind=QuestionKind.MULTIPLE, options=["Министерство", "Служба", "Дума"], correct_options=[0, 1]
    )
    text = QuestionFactory(
        kind=QuestionKind.TEXT, options=[], correct_options=[], accepted_answers=["Госуслуги", "gosuslugi"]
    )
    number = QuestionFactory(
        kind=QuestionKind.NUMBER,
        options=[],
        correct_options=[],
        number_answer=Decimal("80"),
        number_tolerance=Decimal("0.5"),
    )
    assert answer_text(question=multiple, value=[1, 0]) == "Министерство, Служба" == key_text(question=multiple)
    assert key_text(question=text) == "Госуслуги (также принимается: gosuslugi)"
    assert key_text(question=number) == "80 ± 0,5"


# ---------------------------------------------------------------- the test page


def test_no_start_button_when_no_attempt_is_left_and_the_page_says_why(world, client):
    _quiz(world, attempts_allowed=1)
    client.force_login(world["participant"].user)
    url = reverse("assessments:quiz", args=[world["quiz"].id])
    assert "Начать попытку" in client.get(url).content.decode()
    _attempt(world)
    page = client.get(url).content.decode()
    assert "Начать попытку" not in page
    assert "Вы использовали единственную попытку." in page


def test_an_attempt_in_progress_is_continued_not_started_again(world, client):
    attempt = attempt_start(quiz=world["quiz"], user=world["participant"].user)
    client.force_login(world["participant"].user)
    page = client.get(reverse("assessments:quiz", args=[world["quiz"].id])).content.decode()
    assert "Начать попытку" not in page and reverse("assessments:attempt", args=[attempt.id]) in page


def test_the_result_links_back_to_the_test_and_the_cabinet(world, client):
    page = _page(client, world, _attempt(world))
    assert f'href="{reverse("assessments:quiz", args=[world["quiz"].id])}"' in page
    assert f'href="{reverse("cabinet")}"' in page


def test_a_timed_attempt_counts_down_from_the_servers_deadline(world, client):
    _quiz(world, time_limit_minutes=15)
    attempt = attempt_start(quiz=world["quiz"], user=world["participant"].user)
    page = _page(client, world, attempt)
    local = timezone.localtime(attempt.ends_at)
    assert f'data-ends-at="{local.isoformat()}"' in page
    remaining = int(page.split('data-remaining="')[1].split('"')[0])
    assert 14 * 60 < remaining <= 15 * 60
    assert 'role="timer" aria-live="polite"' in page and "assessments/countdown.js" in page
    assert "<script>" not in page  # no inline script: the CSP of issue 13 forbids it


# ---------------------------------------------------------------- the editor's form


def _wagtail_post(client, season, bank, **overrides):
    from django.contrib.auth.models import Group

    from lms import roles
    from lms.services import roles_sync

    roles_sync()
    editor = UserFactory(username="editor-review")
    editor.groups.add(Group.objects.get(name=roles.EDITOR))
    client.force_login(editor)
    form = {
        "title": "Тест с разбором",
        "season": season.id,
        "track": "",
        "banks": [bank.id],
        "question_count": 2,
        "attempts_allowed": 2,
        "pass_mark": "0.6",
        "score_policy": "best",
        "required": "on",
        "diagnostic_phase": "",
        "score_shown": "immediately",
        "answers_shown": "immediately",
        "key_shown": "closed",
        "blueprint": "{}",
        **overrides,
    }
    return client.post(reverse("quizzes:add"), form, follow=True)


def test_wagtail_refuses_right_answers_immediately_with_attempts_left(world, client):
    bank = world["quiz"].banks.get()
    response = _wagtail_post(client, world["participant"].season, bank, key_shown="immediately")
    assert "попытки ещё остались" in response.content.decode()
    assert not Quiz.objects.filter(title="Тест с разбором").exists()
    response = _wagtail_post(client, world["participant"].season, bank, key_shown="immediately", attempts_allowed=1)
    assert Quiz.objects.filter(title="Тест с разбором", key_shown="immediately").exists()


def test_wagtail_warns_that_after_the_last_attempt_lets_answers_travel(world, client):
    bank = world["quiz"].banks.get()
    response = _wagtail_post(client, world["participant"].season, bank, key_shown="last_attempt")
    assert Quiz.objects.filter(title="Тест с разбором", key_shown="last_attempt").exists()
    assert "передать их тем, у кого попытки ещё есть" in response.content.decode()


def test_wagtail_refuses_a_blueprint_the_banks_cannot_fill_or_that_misses_the_count(world, client):
    season, bank = world["participant"].season, world["quiz"].banks.get()
    short = _wagtail_post(client, season, bank, blueprint='{"Право": 3}', question_count=3).content.decode()
    assert "Вопросов «Право» в банках: 2" in short
    uneven = _wagtail_post(client, season, bank, blueprint='{"Право": 1}').content.decode()
    assert "в сумме вопросов: 1" in uneven
    diagnostic = _wagtail_post(client, season, bank, diagnostic_phase="start", required="").content.decode()
    assert "Диагностике нужно число вопросов по каждой компетенции" in diagnostic
    assert not Quiz.objects.filter(title="Тест с разбором").exists()


def test_the_test_list_says_what_is_used_and_when_things_show(world, api_client):
    _attempt(world)
    api_client.force_authenticate(world["participant"].user)
    (row,) = api_client.get(reverse("assessments:quiz-list")).json()
    assert (row["attempts_used"], row["in_progress"]) == (1, False)
    assert (row["score_shown"], row["answers_shown"], row["key_shown"]) == ("immediately", "immediately", "closed")
