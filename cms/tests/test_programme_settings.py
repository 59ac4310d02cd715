"""Every page shows the programme's name and contacts from the cache (cms.selectors): no query for
them once cached, and an editor's change shows on the next page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Site

from cms.models import ProgrammeSettings

pytestmark = pytest.mark.django_db


def _queries_of(client, path: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return [query["sql"] for query in queries.captured_queries]


def test_a_page_reads_the_settings_once_then_from_the_cache(client):
    first = _queries_of(client, "/accounts/login/")
    assert any("cms_programmesettings" in sql for sql in first)
    again = _queries_of(client, "/accounts/login/")
    assert not any("cms_programmesettings" in sql or "wagtailcore_site" in sql for sql in again)


def test_an_edit_of_the_settings_shows_on_the_next_page(client):
    client.get("/accounts/login/")  # cached
    settings = ProgrammeSettings.for_site(Site.objects.get(is_default_site=True))
    settings.programme_name, settings.support_email = "Кадры будущего", "help@prokadry.example"
    settings.save()
    page = client.get("/accounts/login/").content.decode()
    assert "<title>" in page and "Кадры будущего" in page and 'href="mailto:help@prokadry.example"' in page
    settings.delete()
    assert "Кадры будущего" not in client.get("/accounts/login/").content.decode()


def test_a_change_of_the_site_drops_the_cached_settings(client):
    client.get("/accounts/login/")
    site = Site.objects.get(is_default_site=True)
    site.site_name = "Другое имя"
    site.save()
    assert any("wagtailcore_site" in sql for sql in _queries_of(client, "/accounts/login/"))
