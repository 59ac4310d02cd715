from datetime import timedelta

import pytest
from django.utils import timezone

from lms.models import Application
from lms.services import roles_sync
from tests.factories import TEST_PASSWORD, ParticipantFactory, SeasonFactory, UserFactory

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
    }
    data.update(overrides)
    return data


def test_apply_form_registers_logs_in_and_opens_the_cabinet(client):
    SeasonFactory()
    response = client.post("/apply/", form_data(), follow=True)
    assert response.redirect_chain[-1][0] == "/cabinet/"
    page = response.content.decode()
    assert "Иванов Пётр" in page
    assert 'data-testid="level">Начинающие' in page or 'data-testid="level">Beginner' in page
    assert Application.objects.get().timezone == "Europe/Kaliningrad"


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
    client.post("/accounts/login/", {"username": participant.user.username, "password": TEST_PASSWORD})
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
    import re

    from tests.factories import UserFactory

    user = UserFactory(email="reset-me@example.org")
    user.set_password("old-Passw0rd-123")
    user.save()
    login = client.get("/accounts/login/").content.decode()
    assert "Забыли пароль?" in login
    form = client.get("/accounts/password_reset/").content.decode()
    assert "Восстановление пароля" in form and "Административный сайт" not in form
    done = client.post("/accounts/password_reset/", {"email": "reset-me@example.org"}, follow=True)
    assert "Проверьте почту" in done.content.decode()
    link = re.search(r"http://[^/]+(/accounts/reset/\S+/)", mailoutbox[0].body).group(1)
    confirm = client.get(link, follow=True)
    assert "Новый пароль" in confirm.content.decode()
    new = "new-Passw0rd-456"
    complete = client.post(confirm.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}, follow=True)
    assert "Новый пароль установлен" in complete.content.decode()
    assert client.login(username=user.username, password=new)
    change = client.get("/accounts/password_change/").content.decode()
    assert "Смена пароля" in change and "Административный сайт" not in change


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
