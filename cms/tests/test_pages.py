import pytest
from wagtail.models import Page, Site

from cms.models import HomePage

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
