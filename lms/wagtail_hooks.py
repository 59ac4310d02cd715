"""Wagtail's user pages (/cms/users/) can set a password, superuser status and groups; they are a
superuser's. Programme staff give and take roles on the Django admin's user page, through the
audited role service (lms.admin.UserAdmin)."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from wagtail import hooks


def _superuser_only(request) -> None:
    if not request.user.is_superuser:
        raise PermissionDenied


@hooks.register("before_create_user")
def user_create_superuser_only(request):
    _superuser_only(request)


@hooks.register("before_edit_user")
def user_edit_superuser_only(request, user):
    _superuser_only(request)


@hooks.register("before_delete_user")
def user_delete_superuser_only(request, user):
    _superuser_only(request)


@hooks.register("before_bulk_action")
def user_bulk_action_superuser_only(request, action_type, objects, action_class_instance):
    if action_class_instance.model is get_user_model():
        _superuser_only(request)
