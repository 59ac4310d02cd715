"""Wagtail's admin calls no outside service and greets staff in Russian."""

import re

import pytest
from django.contrib.auth.models import Group

from lms.services import roles_sync
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# What a page makes the browser fetch by itself: images, scripts, frames, stylesheets and icons
# (a plain link to another site is no call until someone follows it).
OUTSIDE_LOADS = re.compile(r'(?:\bsrc="|<link\b[^>]*\bhref=")((?:https?:)?//[^"]+)"')


def _text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_wagtail_login_speaks_russian(client):
    # Wagtail's login hands over to the site's one login (lms.views.wagtail_admin_login).
    response = client.get("/cms/login/?next=/cms/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/?next=%2Fcms%2F"
    page = response.content.decode()
    text = _text(page)
    assert "Войти" in text
    for english in ("Sign in", "Forgotten password", "Enter your", "Remember me"):
        assert english not in text, english
    assert not OUTSIDE_LOADS.findall(page)


def test_the_wagtail_dashboard_loads_nothing_from_outside(client):
    roles_sync()
    editor = UserFactory(email="editor@example.org")
    editor.groups.add(Group.objects.get(name="editor"))
    client.force_login(editor)
    page = client.get("/cms/").content.decode()
    assert "gravatar" not in page.lower()
    assert not OUTSIDE_LOADS.findall(page)
    assert "Панель управления" in _text(page)
