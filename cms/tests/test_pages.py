import pytest
from wagtail.models import Page, Site

from cms.models import HomePage, ProgrammeSettings

pytestmark = pytest.mark.django_db


def test_the_site_root_is_our_home_page(client):
    site = Site.objects.get(is_default_site=True)
    assert isinstance(site.root_page.specific, HomePage)
    response = client.get("/")
    assert response.status_code == 200
    assert "ProКадры" in response.content.decode()


def test_the_page_tree_is_locked():
    from django.apps import apps

    # By label: the site knows no feature app by import (import-linter contract).
    index, course = apps.get_model("courses", "CourseIndexPage"), apps.get_model("courses", "CoursePage")
    assert HomePage.allowed_subpage_models() == [index]
    assert index.allowed_parent_page_models() == [HomePage]
    assert course.allowed_parent_page_models() == [index]
    assert not Page.objects.filter(content_type__model="page", depth=2).exists()


def test_the_home_page_explains_the_programme_to_a_newcomer(client):
    from datetime import date

    from cms.services import HOME_BODY, home_page_content_ensure
    from tests.factories import SeasonFactory

    home = HomePage.objects.get()
    home.body = []
    home.save_revision().publish()
    home_page_content_ensure()
    home.refresh_from_db()
    assert [block.block_type for block in home.body] == [item["type"] for item in HOME_BODY]
    SeasonFactory(name="Сезон 2027", education_starts_on=date(2027, 8, 1))
    settings = ProgrammeSettings.for_site(Site.objects.get(is_default_site=True))
    settings.support_email, settings.support_phone = "help@prokadry.example", "+7 495 000-00-00"
    settings.save()
    page = client.get("/").content.decode()
    for text in ("Три уровня участия", "Начинающие", "Молодые", "PRO", "Как подать заявку", "от 18 до 35 лет"):
        assert text in page
    assert "Сезон 2027" in page and "1 августа" in page  # the timeline reads the season's own dates
    assert 'href="mailto:help@prokadry.example"' in page and "+7 495 000-00-00" in page
    assert 'href="/apply/"' in page  # the campaign of the factory's season is open


def test_a_written_home_page_is_never_overwritten():
    from cms.services import home_page_content_ensure

    home = HomePage.objects.get()
    home.body = [{"type": "paragraph", "value": "<p>Своё</p>"}]
    home.save_revision().publish()
    home_page_content_ensure()
    home.refresh_from_db()
    assert [block.block_type for block in home.body] == ["paragraph"]
