import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from rest_framework.test import APIClient

from courses.tests.factories import course_make, lecture_make, participant_make
from tests.factories import TEST_PASSWORD, SeasonFactory

pytestmark = pytest.mark.django_db


def test_a_token_client_plays_the_playback_url_it_is_handed():
    """The lecture's playback_url plays for the token's user with no session: the signed URL is the
    credential for the video files."""
    season = SeasonFactory()
    participant = participant_make(season=season)
    lecture = lecture_make(course=course_make(season=season))
    default_storage.save(f"{lecture.video.hls_path}master.m3u8", ContentFile(b"#EXTM3U\nv0/index.m3u8\n"))
    login = APIClient().post(
        "/api/v1/auth/token/", {"username": participant.user.username, "password": TEST_PASSWORD}, format="json"
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {login.json()['token']}")
    detail = client.get(f"/api/v1/lectures/{lecture.id}/")
    assert detail.status_code == 200
    url = detail.json()["playback_url"]
    master = APIClient().get(url)
    assert master.status_code == 200, master.content
    assert b"v0/index.m3u8?token=" in master.content
