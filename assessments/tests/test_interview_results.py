"""The participant learns the interview outcome: staff choose results, apply the experts'
recommended level changes in bulk (each a level change with its reason) and publish once; the
cabinet shows nothing of it before."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import Interview, InterviewOutcome, InterviewPlan, InterviewSlot, InterviewStatus
from assessments.selectors.results import interview_results_list
from assessments.services.interviews import interview_book, interview_cancel
from assessments.services.results import interview_results_publish
from assessments.tests.test_candidates import _person, interviewed
from assessments.tests.test_interviews import _admit, _role
from lms import roles
from lms.models import Level, LevelChange
from tests.factories import SeasonFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def results():
    season = SeasonFactory(name="Сезон итогов")
    experts = [_role(UserFactory(username=f"result-expert-{n}"), roles.EXPERT) for n in range(2)]
    people = {
        "stays": _person(season, Level.BEGINNER, "Альфа"),
        "moved_up": _person(season, Level.BEGINNER, "Бета"),
        "young": _person(season, Level.YOUNG, "Гамма"),
    }
    _admit(*people.values())
    interviewed(season, experts, people["stays"], [(3, ""), (4, "")])
    interviewed(season, experts, people["moved_up"], [(5, Level.YOUNG), (4, Level.YOUNG)])
    interviewed(season, experts, people["young"], [(2, "")])
    staff = _role(UserFactory(username="result-staff"), roles.STAFF)
    return season, people, staff


def _page(season):
    return f"{reverse('assessments:interview-results')}?season={season.id}"


def _publish(season):
    return f"{reverse('assessments:interview-results-publish')}?season={season.id}"


def test_results_follow_the_experts_and_staff_may_choose_before_publishing(results, client):
    season, people, staff = results
    rows = {row["participant_id"]: row for row in interview_results_list(season_id=season.id)}
    assert rows[people["stays"].id]["result"] == "roiv"
    assert rows[people["moved_up"].id]["result"] == "foiv"
    assert rows[people["young"].id]["result"] == "foiv"

    client.force_login(staff)
    form = {"season": season.id, "choose": "", "participant": people["young"].id, "result": "not_selected"}
    assert client.post(_page(season), form).status_code == 302
    assert {row["participant_id"]: row["result"] for row in interview_results_list(season_id=season.id)}[
        people["young"].id
    ] == "not_selected"
    assert client.post(_page(season), {**form, "result": "everything"}).status_code == 400
    outsider = _person(season, Level.PRO, "Чужой")
    assert client.post(_page(season), {**form, "participant": outsider.id}).status_code == 400
    # Back to the experts' recommendation.
    assert client.post(_page(season), {**form, "result": ""}).status_code == 302
    assert not InterviewOutcome.objects.exists()


def test_publishing_confirms_the_counts_then_the_cabinet_shows_the_result_once(results, client):
    season, people, staff = results
    client.force_login(staff)
    client.post(
        _page(season), {"season": season.id, "choose": "", "participant": people["young"].id, "result": "not_selected"}
    )

    client.force_login(people["moved_up"].user)
    cabinet = client.get(reverse("cabinet")).content.decode()
    assert 'data-testid="interview-result"' not in cabinet  # nothing before publishing

    client.force_login(staff)
    confirm = client.get(_publish(season)).content.decode()
    counts = confirm.split('data-testid="publish-counts"')[1].split("</ul>")[0]
    assert "Рекомендован(а) на стажировки в РОИВ: 1" in counts
    assert "Рекомендован(а) на собеседования в ФОИВ: 1" in counts and "Не отобран(а): 1" in counts
    assert not InterviewOutcome.objects.filter(published_at__isnull=False).exists()  # GET publishes nothing
    assert client.post(_publish(season), {"season": season.id}).status_code == 302
    published_at = InterviewPlan.objects.get(season=season).results_published_at
    assert published_at is not None and InterviewOutcome.objects.filter(published_at=published_at).count() == 3

    # Once: a second confirmation changes nothing, nor may a result be chosen any more.
    response = client.post(_publish(season), {"season": season.id}, follow=True)
    assert "уже опубликованы" in response.content.decode()
    assert InterviewPlan.objects.get(season=season).results_published_at == published_at
    form = {"season": season.id, "choose": "", "participant": people["stays"].id, "result": "foiv"}
    assert client.post(_page(season), form).status_code == 400

    client.force_login(people["moved_up"].user)
    cabinet = client.get(reverse("cabinet")).content.decode()
    assert "Рекомендован(а) на собеседования в ФОИВ" in cabinet.split('data-testid="interview-result"')[1][:200]
    level = cabinet.split('data-testid="interview-level"')[1][:300]
    assert "«Молодые»" in level and "Начинающие" in level
    client.force_login(people["young"].user)
    cabinet = client.get(reverse("cabinet")).content.decode()
    assert "Не отобран(а)" in cabinet and 'data-testid="interview-level"' not in cabinet


def test_staff_apply_the_recommended_levels_in_bulk_with_a_reason(results, client):
    season, people, staff = results
    client.force_login(staff)
    page = client.get(_page(season)).content.decode()
    moves = page.split('data-testid="level-moves"')[1].split("</section>")[0]
    assert f'value="{people["moved_up"].id}"' in moves and f'value="{people["stays"].id}"' not in moves

    # Published first: the cabinet then says which level staff decided on once they apply it.
    assert client.post(_publish(season), {"season": season.id}).status_code == 302
    form = {"season": season.id, "apply_levels": "", "participant": [people["moved_up"].id], "reason": " "}
    assert client.post(_page(season), form).status_code == 400
    assert client.post(_page(season), {**form, "participant": [people["stays"].id], "reason": "x"}).status_code == 400
    assert client.post(_page(season), {**form, "reason": "Решение комиссии"}).status_code == 302
    people["moved_up"].refresh_from_db()
    assert people["moved_up"].level == Level.YOUNG
    change = LevelChange.objects.filter(participant=people["moved_up"]).latest("id")
    assert (change.from_level, change.to_level, change.reason, change.changed_by) == (
        Level.BEGINNER,
        Level.YOUNG,
        "Решение комиссии",
        staff,
    )
    client.force_login(people["moved_up"].user)
    level = client.get(reverse("cabinet")).content.decode().split('data-testid="interview-level"')[1][:300]
    assert "«Молодые»" in level and "решённый программой: Молодые" in level


def test_only_staff_open_the_results_pages(results, client):
    season, people, _staff = results
    client.force_login(people["stays"].user)
    assert client.get(_page(season)).status_code == 403
    assert client.post(_publish(season), {"season": season.id}).status_code == 403
    assert InterviewPlan.objects.filter(season=season, results_published_at__isnull=False).count() == 0


def test_the_results_page_query_count_is_the_same_at_n_and_n_plus_one(results, client):
    season, people, staff = results
    experts = [_role(UserFactory(username=f"result-expert-extra-{n}"), roles.EXPERT) for n in range(2)]
    client.force_login(staff)
    client.get(_page(season))  # the session's first request loads what later ones reuse
    with CaptureQueriesContext(connection) as first:
        assert client.get(_page(season)).status_code == 200
    interviewed(season, experts, _person(season, Level.PRO, "Дельта"), [(3, Level.YOUNG), (4, "")])
    client.post(_page(season), {"season": season.id, "choose": "", "participant": people["stays"].id, "result": "foiv"})
    with CaptureQueriesContext(connection) as second:
        html = client.get(_page(season)).content.decode()
    assert html.count('data-testid="result-') == 4
    assert len(second.captured_queries) == len(first.captured_queries)


def test_a_level_applied_before_publishing_still_shows_the_experts_recommendation(results, client):
    season, people, staff = results
    client.force_login(staff)
    form = {"season": season.id, "apply_levels": "", "participant": [people["moved_up"].id], "reason": "Комиссия"}
    assert client.post(_page(season), form).status_code == 302
    assert client.post(_publish(season), {"season": season.id}).status_code == 302
    outcome = InterviewOutcome.objects.get(participant=people["moved_up"])
    assert (outcome.level, outcome.recommended_level) == (Level.BEGINNER, Level.YOUNG)
    client.force_login(people["moved_up"].user)
    level = client.get(reverse("cabinet")).content.decode().split('data-testid="interview-level"')[1][:300]
    assert "«Молодые»" in level and "решённый программой: Молодые" in level


def test_publishing_e_mails_each_participant_their_result_once(results, client, django_capture_on_commit_callbacks):
    from django.core import mail

    from assessments.models import InterviewResultNotice
    from assessments.services.admission import admission_runs_sweep
    from assessments.services.results import interview_results_notify

    season, people, staff = results
    mail.outbox.clear()  # the admission's own e-mails
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(_publish(season), {"season": season.id}).status_code == 302
    bodies = {message.to[0]: message.body for message in mail.outbox}
    assert sorted(bodies) == sorted(person.user.email for person in people.values())
    assert all(message.subject == "Итоги собеседований" for message in mail.outbox)
    moved = bodies[people["moved_up"].user.email]
    assert "Сезон итогов" in moved and "Рекомендован(а) на собеседования в ФОИВ" in moved
    assert "Молодые" in moved  # the experts recommended another level
    assert "Молодые" not in bodies[people["stays"].user.email]

    # Nobody twice: the task again, a second confirmation (refused), the sweep.
    assert interview_results_notify(season_id=season.id) == 0
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_publish(season), {"season": season.id})
        admission_runs_sweep(now=timezone.now() + timedelta(days=1))
    assert sum(message.subject == "Итоги собеседований" for message in mail.outbox) == 3
    assert InterviewResultNotice.objects.filter(sent_at__isnull=False).count() == 3


def test_an_unsent_result_e_mail_is_sent_by_a_retry_and_only_it(results, client, django_capture_on_commit_callbacks):
    from django.core import mail

    from assessments.models import InterviewResultNotice
    from assessments.services.results import interview_results_notify

    season, people, staff = results
    mail.outbox.clear()  # the admission's own e-mails
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=False):
        assert client.post(_publish(season), {"season": season.id}).status_code == 302
    InterviewResultNotice.objects.exclude(outcome__participant=people["young"]).update(
        claimed_at=timezone.now(), sent_at=timezone.now()
    )
    assert interview_results_notify(season_id=season.id) == 1
    assert [message.to for message in mail.outbox] == [[people["young"].user.email]]


def test_once_the_results_are_out_the_booking_can_be_neither_cancelled_nor_moved(results, client):
    season, people, staff = results
    booked = Interview.objects.get(participant=people["stays"], status=InterviewStatus.BOOKED)
    free = InterviewSlot.objects.create(
        season=season,
        expert=booked.slot.expert,
        starts_at=timezone.now() + timedelta(days=5),
        ends_at=timezone.now() + timedelta(days=5, minutes=30),
        published=True,
    )
    interview_results_publish(season_id=season.id, user=staff)

    participant = people["stays"]
    with pytest.raises(ValidationError, match="результаты опубликованы"):
        interview_cancel(interview=booked, user=participant.user)
    with pytest.raises(ValidationError, match="результаты опубликованы"):
        interview_book(participant=participant, user=participant.user, slot=free)
    booked.refresh_from_db()
    assert booked.status == InterviewStatus.BOOKED and not Interview.objects.filter(slot=free).exists()

    client.force_login(participant.user)
    cabinet = client.get(reverse("cabinet")).content.decode()
    assert 'data-testid="interview-result"' in cabinet
    assert "Отменить запись" not in cabinet and 'name="slot"' not in cabinet
