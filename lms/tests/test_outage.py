"""A database out of reach answers 503 with Retry-After — our own page (Russian first) or JSON for
the API — never a traceback or a 500; any other error stays a 500 (lms.views.server_error). The
stack's fault tests cut the real path to PostgreSQL (tests/test_stack_faults.py); here the cursor
fails as a dropped connection's does."""

from unittest import mock

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client

from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in():
    client = Client(raise_request_exception=False)
    client.force_login(ParticipantFactory().user)
    return client


def database_fails(error: Exception):
    """Every query of the request fails with `error` (a session read, the page's own queries)."""
    return mock.patch.object(BaseDatabaseWrapper, "cursor", side_effect=error)


def test_a_page_answers_a_readable_503_in_russian_while_the_database_is_away(signed_in):
    with database_fails(OperationalError("server closed the connection unexpectedly")):
        answer = signed_in.get("/cabinet/")
    assert answer.status_code == 503
    assert answer["Retry-After"] == "10" and answer["Cache-Control"] == "no-store"
    page = answer.content.decode()
    assert '<html lang="ru">' in page and "<h1>Сервис ненадолго недоступен</h1>" in page
    assert "Обновите страницу через несколько секунд." in page
    assert "Traceback" not in page and "OperationalError" not in page and "server closed" not in page


def test_the_page_follows_the_visitors_language(signed_in):
    with database_fails(OperationalError("connection refused")):
        answer = signed_in.get("/cabinet/", headers={"Accept-Language": "en"})
    assert answer.status_code == 503
    assert "<h1>The service is briefly unavailable</h1>" in answer.content.decode()


def test_the_api_answers_json_503(signed_in):
    with database_fails(OperationalError("connection refused")):
        answer = signed_in.get("/api/v1/lectures/")
    assert answer.status_code == 503 and answer["Retry-After"] == "10"
    assert answer["Content-Type"] == "application/json"
    assert answer.json() == {"detail": "Сервис ненадолго недоступен. Повторите запрос через несколько секунд."}


def test_any_other_error_is_still_a_500(signed_in):
    with database_fails(ValueError("a bug")):
        answer = signed_in.get("/cabinet/")
    assert answer.status_code == 500
    assert "Retry-After" not in answer
