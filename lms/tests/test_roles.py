"""Roles that cannot be escalated: programme staff give and take the ordinary roles through one
audited service; superuser status, the staff role, permissions and passwords are a superuser's."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from lms import roles
from lms.models import RoleChange
from lms.services import roles_sync, user_role_change
from tests.factories import TEST_PASSWORD, UserFactory, user_with_role

pytestmark = pytest.mark.django_db
User = get_user_model()
NEW_PASSWORD = "Takeover-pass-2026"


@pytest.fixture
def staff():
    return user_with_role(roles.STAFF, username="staff-one")


@pytest.fixture
def expert():
    return user_with_role(roles.EXPERT, username="expert-one")


def role_names(user) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


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


def test_staff_give_and_take_an_ordinary_role_with_the_reason_audited(staff):
    person = UserFactory()
    change = user_role_change(user=person, role=roles.EXPERT, grant=True, reason=" Эксперт сезона ", actor=staff)
    assert role_names(person) == {roles.EXPERT}
    assert (change.user, change.changed_by, change.role, change.action, change.reason) == (
        person,
        staff,
        roles.EXPERT,
        "grant",
        "Эксперт сезона",
    )
    assert change.changed_at is not None
    user_role_change(user=person, role=roles.EXPERT, grant=False, reason="Сезон окончен", actor=staff)
    assert role_names(person) == set()
    assert list(RoleChange.objects.filter(user=person).values_list("action", flat=True)) == ["revoke", "grant"]
    assert user_role_change(user=person, role=roles.EXPERT, grant=False, reason="again", actor=staff) is None


def test_a_role_change_needs_a_reason(staff):
    person = UserFactory()
    with pytest.raises(ValidationError) as error:
        user_role_change(user=person, role=roles.SPEAKER, grant=True, reason="  ", actor=staff)
    assert "reason" in error.value.message_dict
    assert role_names(person) == set() and not RoleChange.objects.exists()


@pytest.mark.parametrize("actor_role", [roles.STAFF, roles.EXPERT, None])
def test_only_a_superuser_gives_the_staff_role(actor_role):
    actor = user_with_role(actor_role) if actor_role else UserFactory()
    person = UserFactory()
    with pytest.raises(PermissionDenied):
        user_role_change(user=person, role=roles.STAFF, grant=True, reason="повышение", actor=actor)
    assert role_names(person) == set()
    superuser = UserFactory(is_superuser=True)
    user_role_change(user=person, role=roles.STAFF, grant=True, reason="новый куратор", actor=superuser)
    assert role_names(person) == {roles.STAFF}


def test_an_expert_gives_no_role():
    with pytest.raises(PermissionDenied):
        user_role_change(
            user=UserFactory(), role=roles.PARTICIPANT, grant=True, reason="x", actor=user_with_role(roles.EXPERT)
        )


def _change_form(client, user) -> dict:
    """The Django admin user form as the browser would post it back, unchanged."""
    response = client.get(reverse("admin:auth_user_change", args=[user.pk]))
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if field.disabled or name == "password":
            continue
        if isinstance(value, list | tuple):
            data[name] = list(value)
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value
    return data


def test_staff_cannot_make_themselves_superuser_in_the_django_admin(client, staff):
    client.force_login(staff)
    data = _change_form(client, UserFactory(username="someone"))  # a page staff can edit
    staff_page = client.get(reverse("admin:auth_user_change", args=[staff.pk]))
    assert staff_page.status_code == 200
    html = staff_page.content.decode()
    assert 'name="is_superuser"' not in html and 'name="user_permissions"' not in html
    posted = client.post(
        reverse("admin:auth_user_change", args=[staff.pk]),
        {**data, "username": staff.username, "is_superuser": "on", "is_staff": "on", "user_permissions": ["1"]},
    )
    assert posted.status_code == 403  # staff edit no staff account, their own included
    staff.refresh_from_db()
    assert not staff.is_superuser and not staff.user_permissions.exists()


def test_staff_cannot_set_an_experts_password_and_log_in_as_them(client, staff, expert):
    client.force_login(staff)
    url = reverse("admin:auth_user_password_change", args=[expert.pk])
    assert client.get(url).status_code == 403
    response = client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"})
    assert response.status_code == 403
    page = client.get(reverse("admin:auth_user_change", args=[expert.pk])).content.decode()
    assert "password/" not in page.split('id="user_form"', 1)[-1]
    client.logout()
    login = {"login": expert.username, "password": NEW_PASSWORD}
    assert client.post("/accounts/login/", login).status_code == 200  # refused: the form again
    assert client.post("/accounts/login/", {**login, "password": TEST_PASSWORD}).status_code == 302


def test_staff_cannot_change_an_experts_email_to_reset_their_password(client, staff, expert):
    client.force_login(staff)
    data = _change_form(client, expert)
    client.post(reverse("admin:auth_user_change", args=[expert.pk]), {**data, "email": "attacker@example.org"})
    expert.refresh_from_db()
    assert expert.email != "attacker@example.org"


def test_staff_give_a_role_in_the_django_admin_through_the_service(client, staff):
    person = UserFactory(username="future-expert")
    client.force_login(staff)
    url = reverse("admin:auth_user_change", args=[person.pk])
    data = _change_form(client, person)
    refused = client.post(url, {**data, "roles": [roles.EXPERT]})
    assert refused.status_code == 200 and "role_change_reason" in refused.context["adminform"].form.errors
    client.post(url, {**data, "roles": [roles.EXPERT], "role_change_reason": "эксперт по собеседованиям"})
    assert role_names(person) == {roles.EXPERT}
    assert RoleChange.objects.get(user=person).changed_by == staff
    escalation = client.post(url, {**data, "roles": [roles.EXPERT, roles.STAFF], "role_change_reason": "x"})
    assert "roles" in escalation.context["adminform"].form.errors
    assert role_names(person) == {roles.EXPERT}


@pytest.mark.parametrize("method", ["get", "post"])
def test_staff_cannot_edit_users_in_wagtail(client, staff, expert, method):
    client.force_login(staff)
    url = reverse("wagtailusers_users:edit", args=[expert.pk])
    data = {
        "username": expert.username,
        "email": expert.email,
        "first_name": "a",
        "last_name": "b",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "is_superuser": "on",
        "is_active": "on",
    }
    response = getattr(client, method)(url, data) if method == "post" else client.get(url)
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert "/login" in response["Location"] or response["Location"].startswith("/cms/")
    own = client.post(reverse("wagtailusers_users:edit", args=[staff.pk]), {**data, "username": staff.username})
    assert own.status_code in (302, 403)
    expert.refresh_from_db()
    staff.refresh_from_db()
    assert not expert.check_password(NEW_PASSWORD) and not expert.is_superuser and not staff.is_superuser
    assert client.post(reverse("wagtailusers_users:add"), {**data, "username": "new-admin"}).status_code in (302, 403)
    assert not User.objects.filter(username="new-admin").exists()


def test_a_superuser_still_sets_passwords_and_roles(client, expert):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    url = reverse("admin:auth_user_password_change", args=[expert.pk])
    response = client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"})
    assert response.status_code == 302
    expert.refresh_from_db()
    assert expert.check_password(NEW_PASSWORD)
