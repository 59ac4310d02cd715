from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from lms.models import Application, LevelChange, Participant
from tests.factories import TEST_PASSWORD, ApplicationFactory, SeasonFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/applications/"


def payload(season, **overrides):
    data = {
        "season": season.id,
        "password": TEST_PASSWORD,
        "last_name": "Смирнова",
        "first_name": "Ольга",
        "patronymic": "Андреевна",
        "email": "olga@example.org",
        "date_of_birth": "2001-04-12",
        "region_code": "66",
        "education_level": "higher_incomplete",
        "institution": "УрФУ",
        "studies_public_administration": True,
        "internship_preference": "foiv",
        "internship_reason": "Хочу понять, как готовятся федеральные решения.",
        "personal_data_consent": True,
    }
    data.update(overrides)
    return data


def born_years_before(day: date, years: int, days: int = 0) -> str:
    return (day.replace(year=day.year - years) + timedelta(days=days)).isoformat()


@pytest.fixture
def season():
    return SeasonFactory()


def test_apply_registers_places_and_confirms(api_client, season, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(URL, payload(season), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["level"] == "young"
    assert body["track"] == "introductory"
    assert body["placement_rule"] == "young.public_administration_studies"
    # Region → federal district and the default time zone.
    assert body["federal_district"] == "ural"
    assert body["timezone"] == "Asia/Yekaterinburg"
    user = get_user_model().objects.get(username="olga@example.org")
    assert user.check_password(TEST_PASSWORD)
    assert user.groups.filter(name="participant").exists()
    participant = Participant.objects.get(user=user)
    history = list(LevelChange.objects.filter(participant=participant))
    assert [(h.to_level, h.rule, h.changed_by) for h in history] == [
        ("young", "young.public_administration_studies", None)
    ]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["olga@example.org"]
    assert Application.objects.get(pk=body["id"]).confirmation_sent_at is not None


def test_logged_in_user_applies_without_password(api_client, season):
    user = UserFactory(username="anna", email="anna@example.org")
    api_client.force_authenticate(user)
    response = api_client.post(URL, payload(season, password="", email="anna@example.org"), format="json")
    assert response.status_code == 201, response.json()
    assert Application.objects.get().user == user


def test_explicit_timezone_overrides_region_default(api_client, season):
    response = api_client.post(URL, payload(season, timezone="Europe/Kaliningrad"), format="json")
    assert response.status_code == 201
    assert response.json()["timezone"] == "Europe/Kaliningrad"


def test_without_season_uses_the_open_campaign(api_client, season):
    data = payload(season)
    del data["season"]
    assert api_client.post(URL, data, format="json").status_code == 201


@pytest.mark.parametrize(
    ("years", "days", "accepted"),
    [(17, 1, False), (18, 0, True), (35, 0, True), (36, 0, False), (35, -1, True), (36, 1, True)],
    ids=["17-tomorrow-18", "exactly-18", "35", "exactly-36", "turns-35-tomorrow", "turns-36-tomorrow"],
)
def test_age_boundaries_on_the_reference_date(api_client, season, years, days, accepted):
    born = born_years_before(season.age_reference_date, years, days)
    response = api_client.post(URL, payload(season, date_of_birth=born), format="json")
    assert (response.status_code == 201) is accepted, response.json()
    if not accepted:
        assert "18" in response.json()["date_of_birth"][0] and "35" in response.json()["date_of_birth"][0]


def test_leap_day_birth_comes_of_age_on_28_february(api_client):
    season = SeasonFactory(age_reference_date=date(2026, 2, 28))
    response = api_client.post(URL, payload(season, date_of_birth="2008-02-29"), format="json")
    assert response.status_code == 201, response.json()
    season2 = SeasonFactory(age_reference_date=date(2026, 2, 27))
    response = api_client.post(URL, payload(season2, date_of_birth="2008-02-29", email="x@example.org"), format="json")
    assert response.status_code == 400
    assert "17" in response.json()["date_of_birth"][0]


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"region_code": "99"}, "region_code", "99"),
        ({"personal_data_consent": False}, "personal_data_consent", "consent"),
        ({"timezone": "Europe/Paris"}, "timezone", "Europe/Paris"),
        ({"email": "not-an-email"}, "email", "email"),
        ({"date_of_birth": "31.12.2001"}, "date_of_birth", "format"),
        ({"internship_preference": "both"}, "internship_preference", "both"),
        ({"password": "123"}, "password", "short"),
        ({"state_service_years": "3"}, "state_service_years", "service"),
        ({"state_service_years": "-1", "in_state_service": True}, "state_service_years", "0"),
    ],
)
def test_bad_input_gets_a_400_naming_the_field(api_client, season, overrides, field, fragment):
    response = api_client.post(URL, payload(season, **overrides), format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    body = response.json()
    assert field in body, body
    assert fragment.lower() in " ".join(body[field]).lower(), body
    assert not Application.objects.exists()


def test_missing_fields_are_named(api_client, season):
    response = api_client.post(URL, {"season": season.id}, format="json")
    assert response.status_code == 400
    assert {"last_name", "email", "date_of_birth", "region_code", "personal_data_consent"} <= set(response.json())


def test_second_application_in_the_same_season_is_refused(api_client, season):
    assert api_client.post(URL, payload(season), format="json").status_code == 201
    again = api_client.post(URL, payload(season, email="OLGA@example.org"), format="json")
    assert again.status_code == 400
    assert "email" in again.json()
    assert Application.objects.count() == 1


def test_same_person_logged_in_cannot_apply_twice(api_client, season):
    application = ApplicationFactory(season=season)
    api_client.force_authenticate(application.user)
    response = api_client.post(URL, payload(season, password="", email="other@example.org"), format="json")
    assert response.status_code == 400
    assert "email" in response.json()


def test_the_same_person_may_apply_to_another_season(api_client, season):
    application = ApplicationFactory(season=season)
    api_client.force_authenticate(application.user)
    other = SeasonFactory()
    response = api_client.post(URL, payload(other, password="", email=application.email), format="json")
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize("shift", [-1, 1])
def test_application_outside_the_campaign_is_refused(api_client, shift):
    today = timezone.localdate()
    if shift < 0:
        season = SeasonFactory(campaign_starts_on=today + timedelta(days=1), campaign_ends_on=today + timedelta(days=9))
    else:
        season = SeasonFactory(campaign_starts_on=today - timedelta(days=9), campaign_ends_on=today - timedelta(days=1))
    response = api_client.post(URL, payload(season), format="json")
    assert response.status_code == 400
    assert "season" in response.json()
    assert not Application.objects.exists()


def test_no_open_campaign(api_client):
    today = timezone.localdate()
    season = SeasonFactory(campaign_starts_on=today - timedelta(days=9), campaign_ends_on=today - timedelta(days=1))
    data = payload(season)
    del data["season"]
    response = api_client.post(URL, data, format="json")
    assert response.status_code == 400 and "season" in response.json()


def test_existing_account_must_log_in_first(api_client, season):
    UserFactory(username="olga@example.org", email="olga@example.org")
    response = api_client.post(URL, payload(season), format="json")
    assert response.status_code == 400
    assert "email" in response.json()
