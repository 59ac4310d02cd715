import pytest
from django.utils import translation

from courses.tests.factories import course_make, lecture_make, participant_make
from tests.factories import SeasonFactory


@pytest.fixture(autouse=True)
def _english(api_client):
    """Assertions read the English msgids; Russian (the default) is checked in test_pages."""
    api_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture(params=["redis", "database"])
def store(request, settings):
    """Every crediting rule holds for both stores: Redis (production) and write-through (no Redis)."""
    if request.param == "redis":
        if not settings.REDIS_URL:
            pytest.skip("Redis is not configured")
        settings.COURSES_REDIS_URL = settings.REDIS_URL
    else:
        settings.COURSES_REDIS_URL = ""
    return request.param


@pytest.fixture
def season(db):
    return SeasonFactory()


@pytest.fixture
def course(season):
    return course_make(season=season)


@pytest.fixture
def lecture(course):
    return lecture_make(course=course, duration=120.0)


@pytest.fixture
def participant(season):
    return participant_make(season=season)
