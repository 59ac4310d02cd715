"""Per-participant deadline extensions for tests: only later, with a reason, who and when; the
attempt rules, the `tests` score module, the cabinet and the API follow them."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from assessments.models import Attempt, QuizDeadlineExtension
from assessments.scores.tests import TestsModule
from assessments.services.quizzes import attempt_start, quiz_deadline_extension_grant
from assessments.tests.factories import QuestionBankFactory, QuestionFactory, QuizFactory, attempt_closed
from lms import roles
from tests.factories import ParticipantFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    user = UserFactory(username="staff-ext")
    user.groups.add(Group.objects.get_or_create(name=roles.STAFF)[0])
    return user


@pytest.fixture
def setup(now):
    """A test whose deadline passed an hour ago, and a participant who may take it."""
    participant = ParticipantFactory()
    bank = QuestionBankFactory()
    QuestionFactory(bank=bank)
    quiz = QuizFactory(
        season=participant.season,
        title="Право",
        banks=[bank],
        question_count=1,
        time_limit_minutes=60,
        opens_at=now - timedelta(days=7),
        closes_at=now - timedelta(hours=1),
    )
    return participant, quiz


def _grant(participant, quiz, deadline, staff, reason="Болел, справка №12"):
    return quiz_deadline_extension_grant(
        user=participant.user, quiz=quiz, deadline=deadline, reason=reason, granted_by=staff
    )


def test_an_attempt_after_the_deadline_starts_within_the_extension_and_not_after_it(setup, staff, now):
    participant, quiz = setup
    with pytest.raises(ValidationError, match="Срок прохождения"):
        attempt_start(quiz=quiz, user=participant.user, now=now)
    extension = _grant(participant, quiz, now + timedelta(minutes=30), staff)
    assert extension.granted_by == staff and extension.granted_at and extension.policy_deadline == quiz.closes_at
    attempt = attempt_start(quiz=quiz, user=participant.user, now=now)
    # The time limit is an hour, but the attempt ends with the extended deadline.
    assert attempt.ends_at == extension.deadline
    Attempt.objects.filter(pk=attempt.pk).update(closed_at=now, score=1, passed=True)
    with pytest.raises(ValidationError, match="Срок прохождения"):
        attempt_start(quiz=quiz, user=participant.user, now=extension.deadline + timedelta(seconds=1))
    assert Attempt.objects.count() == 1


def test_another_participant_gains_nothing_from_someones_extension(setup, staff, now):
    participant, quiz = setup
    _grant(participant, quiz, now + timedelta(days=1), staff)
    other = ParticipantFactory(season=participant.season)
    with pytest.raises(ValidationError):
        attempt_start(quiz=quiz, user=other.user, now=now)


def test_an_extension_earlier_than_the_deadline_is_refused_by_the_service_and_the_database(setup, staff, now):
    participant, quiz = setup
    for deadline in (quiz.closes_at - timedelta(hours=2), quiz.closes_at):
        with pytest.raises(ValidationError) as error:
            _grant(participant, quiz, deadline, staff)
        assert "только перенести срок позже" in error.value.message_dict["deadline"][0]
    with pytest.raises(IntegrityError), transaction.atomic():
        QuizDeadlineExtension.objects.create(
            user=participant.user,
            quiz=quiz,
            deadline=quiz.closes_at - timedelta(hours=2),
            policy_deadline=quiz.closes_at,
            reason="обход",
        )
    assert not QuizDeadlineExtension.objects.exists()


def test_an_extension_needs_a_reason_a_deadline_and_a_participant_of_the_test(setup, staff, now):
    participant, quiz = setup
    with pytest.raises(ValidationError) as error:
        _grant(participant, quiz, now + timedelta(days=1), staff, reason="  ")
    assert "reason" in error.value.message_dict
    stranger = ParticipantFactory()  # another season
    with pytest.raises(ValidationError) as error:
        _grant(stranger, quiz, now + timedelta(days=1), staff)
    assert "user" in error.value.message_dict
    open_ended = QuizFactory(season=participant.season, closes_at=None)
    with pytest.raises(ValidationError) as error:
        _grant(participant, open_ended, now + timedelta(days=1), staff)
    assert "deadline" in error.value.message_dict
    assert not QuizDeadlineExtension.objects.exists()


def test_the_tests_module_counts_a_pass_within_the_extended_deadline(setup, staff, now):
    participant, quiz = setup
    late = Attempt.objects.create(
        quiz=quiz,
        user=participant.user,
        number=1,
        seed=1,
        question_ids=[],
        started_at=now - timedelta(minutes=30),  # after the test's deadline
        closed_at=now - timedelta(minutes=20),
        score=1.0,
        passed=True,
    )

    def figure():
        return TestsModule().figures(season=participant.season, track=participant.track, participants=[participant])[
            participant.id
        ]

    # Without an extension an attempt started after the deadline does not count.
    assert figure().value == 0.0 and "Не пройден: Право" in figure().missing[0]
    _grant(participant, quiz, now, staff)
    assert figure().value == 1.0 and figure().done == ["Право: 100%"]
    # An attempt started after the extended deadline does not count either.
    Attempt.objects.filter(pk=late.pk).update(started_at=now + timedelta(minutes=1))
    assert figure().value == 0.0


def test_the_tests_module_names_each_participants_own_deadline(setup, staff, now):
    participant, quiz = setup
    other = ParticipantFactory(season=participant.season)
    extended = now + timedelta(days=3)
    _grant(participant, quiz, extended, staff)
    figures = TestsModule().figures(
        season=participant.season, track=participant.track, participants=[participant, other]
    )
    from django.utils.formats import date_format

    mine, theirs = figures[participant.id].missing[0], figures[other.id].missing[0]
    assert date_format(timezone.localtime(extended), "j E") in mine
    assert date_format(timezone.localtime(quiz.closes_at), "j E") in theirs and mine != theirs


def test_the_tests_module_reads_extensions_only_when_a_test_has_some(setup, staff, now, django_assert_num_queries):
    participant, quiz = setup
    attempt_closed(quiz=QuizFactory(season=participant.season), user=participant.user, number=1, score=1.0)

    def run():
        TestsModule().figures(season=participant.season, track=participant.track, participants=[participant])

    # required tests with `has_extensions` (1), counting attempts (1 per score policy used: best)
    with django_assert_num_queries(2):
        run()
    _grant(participant, quiz, now + timedelta(days=1), staff)
    # ... and the extensions (1)
    with django_assert_num_queries(3):
        run()


def test_the_cabinet_and_the_api_show_the_extended_deadline(setup, staff, now, client, api_client):
    participant, quiz = setup
    extended = now + timedelta(days=2)
    _grant(participant, quiz, extended, staff)
    api_client.force_authenticate(participant.user)
    row = api_client.get(reverse("assessments:quiz-list")).json()[0]
    assert row["deadline_extended"] is True
    assert row["deadline"].startswith(timezone.localtime(extended).strftime("%Y-%m-%dT%H:%M"))
    assert row["closes_at"].startswith(timezone.localtime(quiz.closes_at).strftime("%Y-%m-%dT%H:%M"))
    client.force_login(participant.user)
    panel = client.get(reverse("cabinet")).content.decode()
    assert "продлён для вас" in panel
    page = client.get(reverse("assessments:quiz", args=[quiz.id])).content.decode()
    assert "продлён для вас" in page
    # The cabinet page starts the attempt within the extension.
    assert client.post(reverse("assessments:quiz", args=[quiz.id])).status_code == 302
    assert Attempt.objects.filter(user=participant.user).count() == 1


def test_an_extension_earlier_than_a_moved_deadline_no_longer_counts(setup, staff, now, api_client):
    participant, quiz = setup
    _grant(participant, quiz, now + timedelta(days=1), staff)
    quiz.closes_at = now + timedelta(days=5)
    quiz.save(update_fields=["closes_at"])
    api_client.force_authenticate(participant.user)
    row = api_client.get(reverse("assessments:quiz-list")).json()[0]
    assert row["deadline_extended"] is False and row["deadline"] == row["closes_at"]


def test_staff_grant_an_extension_in_wagtail_and_an_earlier_one_is_refused(setup, staff, now, client):
    from lms.services import roles_sync

    roles_sync()
    participant, quiz = setup
    client.force_login(staff)
    url = reverse("quiz_deadline_extensions:add")

    def form(deadline):
        return {
            "user": participant.user_id,
            "quiz": quiz.id,
            "deadline": timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M"),
            "reason": "Справка из вуза",
        }

    refused = client.post(url, form(quiz.closes_at - timedelta(hours=3)), HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 200 and "only move the deadline later" in refused.content.decode()
    assert not QuizDeadlineExtension.objects.exists()
    response = client.post(url, form(now + timedelta(days=1)))
    assert response.status_code == 302, response.content.decode()[:2000]
    extension = QuizDeadlineExtension.objects.get()
    assert extension.granted_by == staff and extension.reason == "Справка из вуза"
    assert client.get(reverse("quiz_deadline_extensions:index")).status_code == 200
    # Editors build tests but do not grant extensions.
    editor = UserFactory(username="editor-ext")
    editor.groups.add(Group.objects.get(name=roles.EDITOR))
    client.force_login(editor)
    assert client.get(url).status_code in (302, 403)
