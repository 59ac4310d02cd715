from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from lms.models import Application, LevelChange, Participant
from tests.factories import TEST_PASSWORD, ApplicationFactory, SeasonFactory, UserFactory, confirmation_path

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
        "citizenship": "ru",
    }
    data.update(overrides)
    return data


def born_years_before(day: date, years: int, days: int = 0) -> str:
    return (day.replace(year=day.year - years) + timedelta(days=days)).isoformat()


@pytest.fixture
def season():
    return SeasonFactory()


@pytest.fixture
def applicant(api_client):
    """Logged in with the payload's address confirmed: their application counts at once (201)."""
    user = UserFactory(username="olga", email="olga@example.org")
    api_client.force_authenticate(user)
    return user


def test_an_anonymous_application_registers_and_is_held_until_the_address_is_confirmed(
    api_client, client, season, mailoutbox, django_capture_on_commit_callbacks
):
    response = api_client.post(URL, payload(season), format="json")
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["status"] == "held" and "olga@example.org" in body["detail"]
    application = Application.objects.get(pk=body["id"])
    user = application.user
    assert user.email == "olga@example.org" and user.check_password(TEST_PASSWORD)
    # Held: no place in the season, no participant role, no "accepted" letter; only the link.
    assert application.is_held and not Participant.objects.exists()
    assert not user.groups.filter(name="participant").exists()
    [letter] = mailoutbox
    assert letter.to == ["olga@example.org"]

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(confirmation_path(letter)).status_code == 302
    application.refresh_from_db()
    assert not application.is_held
    participant = Participant.objects.get(user=user)
    # Placed by the rules, the region giving the district and the default time zone.
    assert (participant.level, participant.track, participant.placement_rule) == (
        "young",
        "introductory",
        "young.public_administration_studies",
    )
    assert (application.federal_district, application.timezone) == ("ural", "Asia/Yekaterinburg")
    assert user.groups.filter(name="participant").exists()
    history = list(LevelChange.objects.filter(participant=participant))
    assert [(h.to_level, h.rule, h.changed_by) for h in history] == [
        ("young", "young.public_administration_studies", None)
    ]
    assert mailoutbox[-1].to == ["olga@example.org"] and application.season.name in mailoutbox[-1].subject
    assert Application.objects.get(pk=application.pk).confirmation_sent_at is not None


def test_a_logged_in_applicant_with_a_confirmed_address_is_placed_at_once(
    api_client, applicant, season, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(URL, payload(season, password=""), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["level"], body["track"]) == ("counted", "young", "introductory")
    assert body["federal_district"] == "ural" and body["timezone"] == "Asia/Yekaterinburg"
    assert Application.objects.get().user == applicant


def test_a_logged_in_applicant_with_another_address_is_held_until_it_is_confirmed(
    api_client, applicant, season, mailoutbox
):
    response = api_client.post(URL, payload(season, password="", email="olga.work@example.org"), format="json")
    assert response.status_code == 202
    assert Application.objects.get().is_held
    assert mailoutbox[-1].to == ["olga.work@example.org"] and "/accounts/confirm-email/" in mailoutbox[-1].body


def test_a_link_followed_after_the_campaign_closed_counts_for_nothing(client, api_client, season, mailoutbox):
    assert api_client.post(URL, payload(season), format="json").status_code == 202
    season.campaign_ends_on = timezone.localdate() - timedelta(days=1)
    season.save()
    client.post(confirmation_path(mailoutbox[0]))
    assert Application.objects.get().is_held and not Participant.objects.exists()


def test_explicit_timezone_overrides_region_default(api_client, applicant, season):
    response = api_client.post(URL, payload(season, timezone="Europe/Kaliningrad"), format="json")
    assert response.status_code == 201
    assert response.json()["timezone"] == "Europe/Kaliningrad"


def test_without_season_uses_the_open_campaign(api_client, applicant, season):
    data = payload(season)
    del data["season"]
    assert api_client.post(URL, data, format="json").status_code == 201


@pytest.mark.parametrize(
    ("years", "days", "accepted"),
    [(17, 1, False), (18, 0, True), (35, 0, True), (36, 0, False), (35, -1, True), (36, 1, True)],
    ids=["17-tomorrow-18", "exactly-18", "35", "exactly-36", "turns-35-tomorrow", "turns-36-tomorrow"],
)
def test_age_boundaries_on_the_reference_date(api_client, applicant, season, years, days, accepted):
    born = born_years_before(season.age_reference_date, years, days)
    response = api_client.post(URL, payload(season, date_of_birth=born), format="json")
    assert (response.status_code == 201) is accepted, response.json()
    if not accepted:
        assert "18" in response.json()["date_of_birth"][0] and "35" in response.json()["date_of_birth"][0]


def test_leap_day_birth_comes_of_age_on_28_february(api_client, applicant):
    season = SeasonFactory(age_reference_date=date(2026, 2, 28))
    response = api_client.post(URL, payload(season, date_of_birth="2008-02-29"), format="json")
    assert response.status_code == 201, response.json()
    season2 = SeasonFactory(age_reference_date=date(2026, 2, 27))
    response = api_client.post(URL, payload(season2, date_of_birth="2008-02-29"), format="json")
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


def test_second_application_in_the_same_season_is_refused(api_client, applicant, season):
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


def held_answer(response) -> dict:
    body = response.json()
    assert response.status_code == 202, body
    return {key: value for key, value in body.items() if key != "id"}


def test_an_application_with_someone_elses_address_neither_blocks_nor_reveals_them(
    api_client, client, season, mailoutbox, django_capture_on_commit_callbacks
):
    """The attack: apply with another person's address to learn whether it is registered and to
    take their place in the season. The answer is the one a free address gets; the owner is told
    by e-mail (no confirmation link for the stranger's account) and applies as usual."""
    owner = UserFactory(username="olga", email="olga@example.org")
    taken = api_client.post(URL, payload(season), format="json")
    free = api_client.post(URL, payload(season, email="nobody@example.org"), format="json")
    assert held_answer(taken) == {**held_answer(free), "detail": held_answer(free)["detail"].replace("nobody", "olga")}
    # The stranger got an account of their own, held for ever: they cannot confirm the owner's address.
    stranger = Application.objects.get(pk=taken.json()["id"]).user
    assert stranger != owner and not stranger.emailaddress_set.filter(verified=True).exists()
    [notice] = [letter for letter in mailoutbox if letter.to == ["olga@example.org"]]
    assert "/accounts/confirm-email/" not in notice.body and "/accounts/password/reset/" in notice.body

    # The owner is not locked out of the season by the held application bearing their address.
    api_client.force_authenticate(owner)
    with django_capture_on_commit_callbacks(execute=True):
        mine = api_client.post(URL, payload(season, password=""), format="json")
    assert mine.status_code == 201, mine.json()
    assert Participant.objects.filter(user=owner, season=season).exists()
    assert not Participant.objects.filter(user=stranger).exists()


def test_an_unverified_holder_of_an_address_never_blocks_its_owner(api_client, client, season, mailoutbox):
    """Someone applied first with Olga's address (she had no account): Olga applies too, confirms
    the link that reaches her mailbox, and hers is the application that counts."""
    first = api_client.post(URL, payload(season, first_name="Мошенник"), format="json")
    assert first.status_code == 202
    mailoutbox.clear()
    second = api_client.post(URL, payload(season), format="json")
    assert second.status_code == 202
    client.post(confirmation_path(mailoutbox[0]))
    mine = Application.objects.get(pk=second.json()["id"])
    assert not mine.is_held and Participant.objects.get(season=season).application == mine
    assert Application.objects.get(pk=first.json()["id"]).is_held
    # The earlier holder asking for the link again only tells Olga once more: no link for them.
    cache.clear()  # past allauth's per-address cool-off for confirmation e-mails
    client.force_login(Application.objects.get(pk=first.json()["id"]).user)
    mailoutbox.clear()
    client.post("/accounts/email/", {"email": "olga@example.org", "action_send": ""})
    [notice] = mailoutbox
    assert notice.to == ["olga@example.org"] and "/accounts/confirm-email/" not in notice.body
