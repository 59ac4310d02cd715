"""Issue 12 §2: staff cancel a booking (with a confirmation and a reason): the participant and the
expert are e-mailed once, each in their own zone; the participant may book again; a booking that
has begun, or one of a season whose results are out, cannot be cancelled; nobody else may."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import ExpertProfile, Interview, InterviewPlan, InterviewSlot
from assessments.selectors.interviews import interviews_booked_for_staff
from assessments.services.interviews import interview_book, interview_cancel_by_staff, interview_cancel_notify
from assessments.tests.test_admission import staff  # noqa: F401 (a fixture)
from assessments.tests.test_admission_revisions import closed_season, published  # noqa: F401 (fixtures)
from lms import roles
from tests.factories import ParticipantFactory, UserFactory, user_with_role

pytestmark = pytest.mark.django_db


def test_staff_cancel_with_a_reason_each_reader_told_once_in_their_own_zone(
    staff,  # noqa: F811
    published,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    run, participant, interview = published
    day = (timezone.now() + timedelta(days=3)).date()
    starts_at = datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)
    InterviewSlot.objects.filter(pk=interview.slot_id).update(
        starts_at=starts_at, ends_at=starts_at + timedelta(minutes=30)
    )
    ExpertProfile.objects.create(user=interview.slot.expert, timezone="Asia/Kamchatka")
    type(participant).objects.filter(pk=participant.pk).update(timezone="Europe/Kaliningrad")

    with django_capture_on_commit_callbacks(execute=True):
        interview_cancel_by_staff(interview=interview, user=staff, reason="Эксперт заболел")

    interview.refresh_from_db()
    assert (interview.status, interview.cancel_reason) == ("cancelled", "Эксперт заболел")
    assert interview.cancelled_by == staff
    bodies = {message.to[0]: message.body for message in mail.outbox}
    assert set(bodies) == {participant.user.email, "expert@example.org"}
    # 10:00 UTC: 12:00 in Kaliningrad, 22:00 in Kamchatka, never Moscow's 13:00.
    assert ", 12:00" in bodies[participant.user.email] and "Эксперт заболел" in bodies[participant.user.email]
    assert ", 22:00" in bodies["expert@example.org"] and "13:00" not in bodies["expert@example.org"]
    # A retried task sends nothing more.
    assert interview_cancel_notify(interview_id=interview.id) == 0
    assert len(mail.outbox) == 2
    # The participant is still admitted and may book again, the same slot included.
    again = interview_book(participant=participant, user=participant.user, slot=interview.slot, meeting=None)
    assert again.status == "booked"


def test_a_cancellation_needs_a_reason_and_a_booking_ahead(staff, published):  # noqa: F811
    _run, participant, interview = published
    with pytest.raises(ValidationError) as refused:
        interview_cancel_by_staff(interview=interview, user=staff, reason="   ")
    assert "reason" in refused.value.message_dict
    with pytest.raises(ValidationError):
        interview_cancel_by_staff(interview=interview, user=staff, reason="NUL \x00")
    # Begun: its sheets must stay whole.
    InterviewSlot.objects.filter(pk=interview.slot_id).update(
        starts_at=timezone.now() - timedelta(minutes=5), ends_at=timezone.now() + timedelta(minutes=25)
    )
    with pytest.raises(ValidationError) as refused:
        interview_cancel_by_staff(interview=interview, user=staff, reason="Поздно")
    assert "already begun" in str(refused.value) or "уже началось" in str(refused.value)
    interview.refresh_from_db()
    assert interview.status == "booked" and not mail.outbox


def test_no_staff_cancellation_once_the_results_are_out(staff, published):  # noqa: F811
    run, _participant, interview = published
    InterviewPlan.objects.update_or_create(season_id=run.season_id, defaults={"results_published_at": timezone.now()})
    with pytest.raises(ValidationError):
        interview_cancel_by_staff(interview=interview, user=staff, reason="Поздно")
    assert Interview.objects.get(pk=interview.pk).status == "booked"


@pytest.mark.parametrize("role", [roles.PARTICIPANT, roles.EXPERT, roles.EDITOR])
def test_only_staff_cancel_someone_elses_booking(published, client, role):  # noqa: F811
    _run, participant, interview = published
    person = participant.user if role == roles.PARTICIPANT else user_with_role(role)
    with pytest.raises(PermissionDenied):
        interview_cancel_by_staff(interview=interview, user=person, reason="Хочу")
    client.force_login(person)
    url = reverse("assessments:interview-staff-cancel", args=[interview.id])
    assert client.post(url, {"reason": "Хочу"}).status_code == 403
    assert Interview.objects.get(pk=interview.pk).status == "booked"


def test_the_staff_page_finds_the_booking_and_the_confirmation_cancels_it(
    staff,  # noqa: F811
    published,  # noqa: F811
    client,
    django_capture_on_commit_callbacks,
):
    run, participant, interview = published
    client.force_login(staff)
    page = client.get(reverse("assessments:interviews-staff"), {"season": run.season_id, "q": participant.user.email})
    assert f'data-testid="booking-{interview.id}"' in page.content.decode()
    nobody = client.get(reverse("assessments:interviews-staff"), {"season": run.season_id, "q": "нет-такого"})
    assert f'data-testid="booking-{interview.id}"' not in nobody.content.decode()

    url = reverse("assessments:interview-staff-cancel", args=[interview.id])
    confirm = client.get(url).content.decode()
    assert 'data-testid="cancel-form"' in confirm and "Причина" in confirm
    assert client.post(url, {"reason": ""}).status_code == 400
    assert Interview.objects.get(pk=interview.pk).status == "booked"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "Перенос по просьбе участника"})
    assert response.status_code == 302
    assert Interview.objects.get(pk=interview.pk).status == "cancelled"
    assert len(mail.outbox) == 2
    # Cancelled twice is refused, not a second e-mail.
    assert client.post(url, {"reason": "Ещё раз"}).status_code == 400
    assert len(mail.outbox) == 2


def test_the_bookings_selector_costs_two_queries_at_n_and_n_plus_one(closed_season):  # noqa: F811
    season, _quiz = closed_season
    expert = UserFactory()
    now = timezone.now()

    def book(n: int) -> None:
        for _ in range(n):
            slot = InterviewSlot.objects.create(
                season=season,
                expert=expert,
                starts_at=now + timedelta(days=2, minutes=30 * Interview.objects.count()),
                ends_at=now + timedelta(days=2, minutes=30 * Interview.objects.count() + 30),
            )
            Interview.objects.create(participant=ParticipantFactory(season=season), slot=slot)

    counts = []
    for n in (3, 1):
        book(n)
        with CaptureQueriesContext(connection) as queries:
            shown, more = interviews_booked_for_staff(season_id=season.id, query="", now=now)
        counts.append(len(queries))
        assert len(shown) == Interview.objects.count() and not more
    assert counts[0] == counts[1] == 2


def test_the_api_cancels_for_staff_only(staff, published, django_capture_on_commit_callbacks):  # noqa: F811
    from rest_framework.test import APIClient

    _run, participant, interview = published
    url = reverse("assessments:interview-staff-cancel-api", args=[interview.id])
    api = APIClient()
    api.force_authenticate(participant.user)
    assert api.post(url, {"reason": "Хочу"}, format="json").status_code == 403
    api.force_authenticate(staff)
    assert api.post(url, {}, format="json").status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post(url, {"reason": "Эксперт заболел"}, format="json")
    assert answer.status_code == 200 and answer.json()["status"] == "cancelled"
    assert len(mail.outbox) == 2
