import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.utils import timezone

from lms.models import Application, Consent, Participant
from lms.services import roles_sync
from tests.factories import TEST_PASSWORD, ParticipantFactory, SeasonFactory, UserFactory, confirmation_path

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {
        "last_name": "Иванов",
        "first_name": "Пётр",
        "email": "petr@example.org",
        "password": TEST_PASSWORD,
        "date_of_birth": "2000-01-15",
        "region_code": "39",
        "timezone": "",
        "education_level": "bachelor",
        "institution": "БФУ им. Канта",
        "state_service_years": "0",
        "internship_preference": "roiv",
        "internship_reason": "Хочу работать в регионе.",
        "personal_data_consent": "on",
        "citizenship": "ru",
    }
    data.update(overrides)
    return data


def test_apply_form_registers_logs_in_and_holds_the_application_until_the_link_is_followed(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    SeasonFactory()
    response = client.post("/apply/", form_data(), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert response.redirect_chain[-1][0] == "/cabinet/"
    page = response.content.decode()
    # Logged in, told why the application does not count yet, offered the link again.
    assert 'data-testid="held-application"' in page and "petr@example.org" in page
    assert 'name="action_send"' in page and 'value="petr@example.org"' in page
    application = Application.objects.get()
    assert application.is_held and application.timezone == "Europe/Kaliningrad"
    assert not Participant.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(confirmation_path(mailoutbox[0]))
    page = client.get("/cabinet/").content.decode()
    assert "Иванов Пётр" in page and 'data-testid="held-application"' not in page
    assert 'data-testid="level">Начинающие' in page


def test_the_apply_form_answers_alike_whoever_holds_the_address(client, mailoutbox):
    """The apply form never tells a stranger whether an address is registered: the same redirect,
    the same page and message for the owner's address as for a free one; the owner gets a notice."""
    SeasonFactory()
    UserFactory(username="petr", email="petr@example.org")

    def apply(email: str) -> tuple:
        stranger = Client()
        response = stranger.post("/apply/", form_data(email=email), follow=True)
        page = response.content.decode().replace(email, "EMAIL")
        page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
        return response.redirect_chain, response.status_code, page

    assert apply("petr@example.org") == apply("free@example.org")
    notice = [letter for letter in mailoutbox if letter.to == ["petr@example.org"]]
    assert len(notice) == 1 and "/accounts/confirm-email/" not in notice[0].body


def test_apply_form_shows_the_age_error_for_a_17_year_old(client):
    season = SeasonFactory()
    born = season.age_reference_date.replace(year=season.age_reference_date.year - 17)
    response = client.post("/apply/", form_data(date_of_birth=born.isoformat()), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "you would be 17" in response.content.decode()
    assert not Application.objects.exists()


def test_apply_form_without_consent(client):
    SeasonFactory()
    data = form_data()
    del data["personal_data_consent"]
    response = client.post("/apply/", data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "consent" in response.content.decode()


def test_apply_page_when_no_campaign_is_open(client):
    today = timezone.localdate()
    SeasonFactory(campaign_starts_on=today + timedelta(days=3), campaign_ends_on=today + timedelta(days=30))
    response = client.get("/apply/", HTTP_ACCEPT_LANGUAGE="en")
    assert "No application campaign is open now" in response.content.decode()


def test_cabinet_needs_login(client):
    response = client.get("/cabinet/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_participant_cabinet_shows_season_stage_level_and_track(client):
    participant = ParticipantFactory(level="pro")
    client.force_login(participant.user)
    page = client.get("/cabinet/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert participant.season.name in page
    assert "Application campaign" in page  # the factory's season is in its campaign today
    assert 'data-testid="level">PRO' in page
    assert "Advanced course" in page
    assert "Your courses" in page


def test_staff_get_their_workspace_with_tools(client):
    roles_sync()
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    page = client.get("/cabinet/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Workspace" in page
    assert "/cms/" in page and "/django-admin/lms/" in page and "/api/docs/" in page


def test_editor_sees_wagtail_but_not_django_admin_tools(client):
    from django.contrib.auth.models import Group

    roles_sync()
    editor = UserFactory()
    editor.groups.add(Group.objects.get(name="editor"))
    client.force_login(editor)
    page = client.get("/cabinet/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "/cms/" in page and "/django-admin/lms/" not in page


def test_pages_speak_russian_by_default_and_english_on_request(client):
    SeasonFactory()
    assert "Подать заявку" in client.get("/apply/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/apply/"})
    assert "Apply to the programme" in client.get("/apply/").content.decode()


def test_times_follow_the_participant_zone_after_login(client):
    participant = ParticipantFactory(application__region_code="41")
    client.post("/accounts/login/", {"login": participant.user.username, "password": TEST_PASSWORD})
    assert "Asia/Kamchatka" in client.get("/cabinet/").content.decode().split("site-footer")[1]


def test_participant_changes_zone_in_the_cabinet_and_pages_follow(client):
    participant = ParticipantFactory()
    client.force_login(participant.user)
    response = client.post("/cabinet/timezone/", {"timezone": "Europe/Kaliningrad"}, follow=True)
    page = response.content.decode()
    assert "Europe/Kaliningrad" in page.split("site-footer")[1]
    participant.refresh_from_db()
    assert participant.timezone == "Europe/Kaliningrad"
    bad = client.post("/cabinet/timezone/", {"timezone": "UTC"}, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "is not a Russian time zone" in bad.content.decode()


def test_password_reset_and_change_are_the_sites_own_pages_in_russian(client, mailoutbox):
    user = UserFactory(email="reset-me@example.org")
    user.set_password("old-Passw0rd-123")
    user.save()
    login = client.get("/accounts/login/").content.decode()
    assert "Забыли пароль?" in login and 'class="site-header"' in login
    form = client.get("/accounts/password/reset/").content.decode()
    assert 'class="site-header"' in form and "Административный сайт" not in form
    client.post("/accounts/password/reset/", {"email": "reset-me@example.org"}, follow=True)
    link = re.search(r"http://[^/]+(/accounts/password/reset/key/\S+/)", mailoutbox[0].body).group(1)
    confirm = client.get(link, follow=True)
    new = "new-Passw0rd-456"
    complete = client.post(confirm.redirect_chain[-1][0], {"password1": new, "password2": new}, follow=True)
    assert complete.status_code == 200 and 'class="site-header"' in complete.content.decode()
    assert client.post("/accounts/login/", {"login": "reset-me@example.org", "password": new}).status_code == 302
    change = client.get("/accounts/password/change/").content.decode()
    assert 'class="site-header"' in change and 'name="oldpassword"' in change


def test_a_participant_of_an_earlier_season_finds_the_form_filled_but_consents_anew(client):
    today = timezone.localdate()
    past = SeasonFactory(campaign_starts_on=today - timedelta(days=400), campaign_ends_on=today - timedelta(days=370))
    earlier = ParticipantFactory(
        season=past,
        application__institution="РАНХиГС",
        application__internship_preference="foiv",
        application__internship_reason="Хочу в министерство.",
        application__region_code="41",
        application__youth_organisations=True,
    ).application
    SeasonFactory()
    client.force_login(earlier.user)
    # Without the consent to reuse the application, nothing is filled in.
    assert client.get("/apply/").context["form"]["institution"].value() is None
    Consent.objects.create(application=earlier, purpose="reuse", text_version="v", given_at=earlier.submitted_at)
    response = client.get("/apply/")
    form = response.context["form"]
    assert form["institution"].value() == "РАНХиГС"
    assert form["internship_preference"].value() == "foiv"
    assert form["region_code"].value() == "41"
    assert form["youth_organisations"].value() is True
    assert form["last_name"].value() == earlier.last_name
    assert not form["personal_data_consent"].value()
    page = response.content.decode()
    assert past.name in page and 'value="РАНХиГС"' in page


def test_a_newcomer_and_someone_who_applied_this_season_get_no_prefill(client):
    season = SeasonFactory()
    assert client.get("/apply/").context["earlier"] is None
    participant = ParticipantFactory(season=season)
    client.force_login(participant.user)
    response = client.get("/apply/")
    assert response.context["earlier"] is None and response.context["form"]["institution"].value() is None


def test_sign_up_confirms_by_link_and_never_tells_whether_an_address_is_registered(client, mailoutbox):
    UserFactory(username="owner", email="owner@example.org")

    def sign_up(email: str):
        response = Client().post(
            "/accounts/signup/", {"email": email, "password1": TEST_PASSWORD, "password2": TEST_PASSWORD}
        )
        return response.status_code, response["Location"]

    assert sign_up("owner@example.org") == sign_up("newcomer@example.org") == (302, "/cabinet/")
    [notice] = [letter for letter in mailoutbox if letter.to == ["owner@example.org"]]
    [link] = [letter for letter in mailoutbox if letter.to == ["newcomer@example.org"]]
    assert "/accounts/confirm-email/" not in notice.body
    assert client.post(confirmation_path(link)).status_code == 302
    assert EmailAddress.objects.get(email="newcomer@example.org").verified
    assert EmailAddress.objects.filter(email="owner@example.org", verified=True).count() == 1
