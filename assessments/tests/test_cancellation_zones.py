"""Issue 12 §2: when an override after publication cancels a booking, the expert reads the
cancelled interview's time in their own zone and the participant in theirs, never the programme's
(Moscow) for both."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from assessments.models import ExpertProfile, InterviewSlot
from assessments.services.admission_publish import decision_override_add
from assessments.tests.test_admission import staff  # noqa: F401 (a fixture)
from assessments.tests.test_admission_revisions import closed_season, published  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("expert_zone", "participant_zone", "expert_sees", "participant_sees"),
    [
        # 10:00 UTC is 22:00 in Kamchatka (UTC+12), 12:00 in Kaliningrad (UTC+2), 13:00 in Moscow.
        ("Asia/Kamchatka", "Europe/Kaliningrad", "22:00", "12:00"),
        ("Europe/Kaliningrad", "Asia/Kamchatka", "12:00", "22:00"),
    ],
)
def test_the_cancellation_notices_are_in_each_readers_own_zone(
    staff,  # noqa: F811
    published,  # noqa: F811
    django_capture_on_commit_callbacks,
    expert_zone,
    participant_zone,
    expert_sees,
    participant_sees,
):
    run, participant, interview = published
    day = (timezone.now() + timedelta(days=3)).date()
    starts_at = datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)
    InterviewSlot.objects.filter(pk=interview.slot_id).update(
        starts_at=starts_at, ends_at=starts_at + timedelta(minutes=30)
    )
    ExpertProfile.objects.create(user=interview.slot.expert, timezone=expert_zone)
    type(participant).objects.filter(pk=participant.pk).update(timezone=participant_zone)

    with django_capture_on_commit_callbacks(execute=True):
        decision_override_add(
            decision=run.decisions.get(), value="not_admitted", justification="Повторная проверка", user=staff
        )

    bodies = {message.to[0]: message.body for message in mail.outbox}
    expert_body, participant_body = bodies["expert@example.org"], bodies[participant.user.email]
    assert f", {expert_sees}" in expert_body and "13:00" not in expert_body
    assert "больше не допущен" in expert_body
    assert f", {participant_sees}" in participant_body and "13:00" not in participant_body
