"""Rooms behind one interface: a room type added by the setting alone, BigBlueButton's end and
its one error path."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.utils import timezone

from live.models import LiveSession
from live.rooms.bbb.client import BbbError
from live.rooms.registry import room_backend
from live.tests import example_room
from live.tests.factories import LiveSessionFactory, SpeakerFactory
from live.views import join_link
from tests.factories import ParticipantFactory, SeasonFactory

pytestmark = pytest.mark.django_db

EXAMPLE = {"example": "live.tests.example_room.ExampleRoom"}


def speaker_with_role():
    speaker = SpeakerFactory()
    speaker.user.groups.add(Group.objects.get_or_create(name="speaker")[0])
    return speaker


@override_settings(LIVE_ROOM_BACKENDS=EXAMPLE)
def test_a_room_type_added_in_the_setting_is_offered_started_joined_and_ended_through_its_backend(client):
    example_room.CALLS.clear()
    assert ("example", "Example room") in LiveSession._meta.get_field("delivery").choices
    season = SeasonFactory()
    speaker = speaker_with_role()
    session = LiveSessionFactory(
        season=season, speakers=[speaker], delivery="example", starts_at=timezone.now() - timedelta(minutes=1)
    )
    session.full_clean()  # the delivery is a valid choice, and this room needs no link
    person = ParticipantFactory(season=season)

    # Not started: the participant waits on our page; the speaker is sent to start it first.
    client.force_login(person.user)
    link = join_link(session=session, user_id=person.user_id)
    assert "live/join_waiting.html" in [t.name for t in client.get(link).templates]
    client.force_login(speaker.user)
    assert client.get(f"/live/{session.pk}/join/")["Location"] == f"/live/console/{session.pk}/"

    assert client.post(f"/live/console/{session.pk}/start/").status_code == 302
    assert [("start", session.pk, "http://testserver")] == example_room.CALLS

    client.force_login(person.user)
    assert client.get(link)["Location"] == f"https://rooms.example.org/{session.pk}?who=prk-user-{person.user_id}"

    client.force_login(speaker.user)
    assert client.post(f"/live/console/{session.pk}/end/").status_code == 302
    assert example_room.CALLS[-1] == ("end", session.pk)


def test_an_unknown_delivery_is_a_clear_configuration_error():
    with pytest.raises(ImproperlyConfigured, match="LIVE_ROOM_BACKENDS"):
        room_backend("nowhere")


def test_ending_a_bbb_session_ends_its_room_and_a_bbb_that_fails_ends_ours_anyway(client, fake_bbb):
    answers, calls = fake_bbb
    speaker = speaker_with_role()
    session = LiveSessionFactory(speakers=[speaker], delivery="bbb")
    client.force_login(speaker.user)
    client.post(f"/live/console/{session.pk}/start/")
    client.post(f"/live/console/{session.pk}/end/")
    session.refresh_from_db()
    assert session.actual_ended_at is not None
    assert any(path.startswith(f"/bigbluebutton/api/end?meetingID={session.external_meeting_id}&") for path in calls)

    other = LiveSessionFactory(speakers=[speaker], delivery="bbb")
    client.post(f"/live/console/{other.pk}/start/")
    answers["end"] = (500, b"")
    assert client.post(f"/live/console/{other.pk}/end/").status_code == 302
    other.refresh_from_db()
    assert other.actual_ended_at is not None


def test_a_recording_fetch_goes_through_the_client_and_an_unreachable_bbb_is_retried(settings, monkeypatch):
    """getRecordings and the video's download fail the one way every BBB call fails (BbbError),
    which the task retries; nothing is attached meanwhile."""
    from live.models import Recording
    from live.rooms.bbb.recordings import bbb_recording_fetch
    from live.tasks import bbb_recording_fetch_task

    settings.LIVE_BBB_URL = "http://127.0.0.1:9/bigbluebutton"  # nothing listens there
    settings.LIVE_BBB_SECRET = "ExampleSharedSecret-do-not-use-0123456789"
    session = LiveSessionFactory()
    with pytest.raises(BbbError, match="BigBlueButton"):
        bbb_recording_fetch(session=session, record_id="abc-1")

    retried = []

    def retry(*, exc, countdown):
        retried.append((exc, countdown))
        return RuntimeError("retry")

    monkeypatch.setattr(bbb_recording_fetch_task, "retry", retry)
    with pytest.raises(RuntimeError, match="retry"):
        bbb_recording_fetch_task.run(session.pk, "abc-1")
    assert isinstance(retried[0][0], BbbError) and retried[0][1] == 60
    assert Recording.objects.count() == 0
