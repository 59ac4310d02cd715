import pytest
from django.core.exceptions import ValidationError

from lms.models import LevelChange, Participant
from lms.services import participant_level_override
from tests.factories import ParticipantFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_override_moves_level_and_track_and_keeps_who_and_why():
    participant = ParticipantFactory(level="young")
    actor = UserFactory(username="curator")
    participant_level_override(participant=participant, level="pro", reason="Комиссия: опыт в РОИВ", actor=actor)
    participant.refresh_from_db()
    assert (participant.level, participant.track, participant.placement_rule) == ("pro", "advanced", "override")
    last = LevelChange.objects.filter(participant=participant).last()
    assert (last.from_level, last.to_level, last.to_track, last.changed_by, last.reason) == (
        "young",
        "pro",
        "advanced",
        actor,
        "Комиссия: опыт в РОИВ",
    )
    assert last.changed_at is not None


@pytest.mark.parametrize(
    ("level", "reason", "field"),
    [("pro", "  ", "reason"), ("expert", "why", "level"), ("young", "same level", "level")],
)
def test_override_refuses_bad_input_and_changes_nothing(level, reason, field):
    participant = ParticipantFactory(level="young")
    with pytest.raises(ValidationError) as error:
        participant_level_override(participant=participant, level=level, reason=reason, actor=UserFactory())
    assert field in error.value.message_dict
    participant.refresh_from_db()
    assert participant.level == "young"
    assert LevelChange.objects.filter(participant=participant).count() == 1


def test_track_must_follow_level_in_the_database():
    participant = ParticipantFactory(level="beginner")
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Participant.objects.filter(pk=participant.pk).update(track="advanced")


def test_admin_override_needs_a_reason_and_is_audited(client):
    staff = UserFactory(username="boss", is_staff=True, is_superuser=True)
    participant = ParticipantFactory(level="beginner")
    client.force_login(staff)
    url = f"/django-admin/lms/participant/{participant.pk}/change/"
    assert client.get(url).status_code == 200
    first = LevelChange.objects.get(participant=participant)
    inline = {
        "level_changes-TOTAL_FORMS": "1",
        "level_changes-INITIAL_FORMS": "1",
        "level_changes-MIN_NUM_FORMS": "0",
        "level_changes-MAX_NUM_FORMS": "1000",
        "level_changes-0-id": str(first.pk),
        "level_changes-0-participant": str(participant.pk),
    }
    refused = client.post(url, {"level": "young", "level_change_reason": "", **inline})
    assert refused.status_code == 200 and "level_change_reason" in refused.context["adminform"].form.errors
    participant.refresh_from_db()
    assert participant.level == "beginner"
    done = client.post(url, {"level": "young", "level_change_reason": "Прошёл собеседование", **inline})
    assert done.status_code == 302
    participant.refresh_from_db()
    assert (participant.level, participant.track) == ("young", "introductory")
    assert LevelChange.objects.filter(participant=participant, changed_by=staff).get().reason == "Прошёл собеседование"


def test_the_admin_list_shows_earlier_seasons_without_a_query_per_row(client):
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from tests.factories import SeasonFactory

    staff = UserFactory(username="boss-list", is_staff=True, is_superuser=True)
    earlier = SeasonFactory(name="Сезон 2025", campaign_starts_on=timezone.localdate() - timedelta(days=400))
    season = SeasonFactory(name="Сезон 2026")
    back = ParticipantFactory(season=earlier, level="young")
    again = ParticipantFactory(season=season, level="young", application__user=back.user)
    client.force_login(staff)
    url = "/django-admin/lms/participant/"
    client.get(url)
    with CaptureQueriesContext(connection) as first:
        html = client.get(url).content.decode()
    assert (
        html.split(f'href="/django-admin/lms/participant/{again.pk}/change/')[1].split("</tr>")[0].count("Сезон 2025")
        == 1
    )
    ParticipantFactory(season=season, level="young", application__user=ParticipantFactory(season=earlier).user)
    with CaptureQueriesContext(connection) as second:
        assert client.get(url).content.decode().count('class="field-earlier_seasons">Сезон 2025<') == 2
    assert len(second.captured_queries) == len(first.captured_queries)
