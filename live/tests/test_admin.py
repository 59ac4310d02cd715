import pytest

from live.tests.factories import LiveSessionFactory, SpeakerFactory
from tests.factories import UserFactory


@pytest.mark.django_db
def test_sessions_and_speakers_are_managed_in_wagtail_admin(client):
    session = LiveSessionFactory(title="Эфир в админке")
    speaker = SpeakerFactory(name="Спикер в админке")
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    listing = client.get("/cms/live_sessions/")
    assert listing.status_code == 200 and "Эфир в админке" in listing.content.decode()
    assert client.get(f"/cms/live_sessions/edit/{session.pk}/").status_code == 200
    snippets = client.get("/cms/snippets/live/speaker/")
    assert snippets.status_code == 200 and "Спикер в админке" in snippets.content.decode()
    assert client.get(f"/cms/snippets/live/speaker/edit/{speaker.pk}/").status_code == 200
