import pytest
from django.contrib.auth.models import Group

from lms import roles
from lms.services import roles_sync

pytestmark = pytest.mark.django_db


def test_roles_are_groups_with_the_apps_permissions():
    roles_sync()
    roles_sync()  # idempotent
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ROLES)
    staff = set(Group.objects.get(name="staff").permissions.values_list("content_type__app_label", "codename"))
    assert ("lms", "change_participant") in staff
    assert ("wagtailadmin", "access_admin") in staff
    editor = set(Group.objects.get(name="editor").permissions.values_list("content_type__app_label", "codename"))
    assert ("wagtailadmin", "access_admin") in editor
    assert ("lms", "change_participant") not in editor
    assert not Group.objects.get(name="participant").permissions.exists()
