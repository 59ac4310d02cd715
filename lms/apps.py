from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class LmsConfig(AppConfig):
    name = "lms"
    verbose_name = _("Programme")
    default_auto_field = "django.db.models.BigAutoField"
    role_permissions = {
        "staff": [
            "lms.*",
            "wagtailadmin.access_admin",
            "authtoken.view_tokenproxy",
            "auth.view_user",
            "auth.change_user",
        ],
        "editor": ["wagtailadmin.access_admin"],
    }

    def ready(self) -> None:
        from lms.signals import roles_sync_after_migrate, timezone_remember_on_login  # noqa: F401

        post_migrate.connect(roles_sync_after_migrate, dispatch_uid="lms.roles_sync")
        self._register_staff_tools()

    def _register_staff_tools(self) -> None:
        from django.urls import reverse

        from lms.cabinet import StaffTool, staff_tool_register

        staff_tool_register(
            StaffTool(
                "wagtail-admin",
                _("Content management (Wagtail)"),
                lambda: reverse("wagtailadmin_home"),
                _("Courses, lectures, pages and site settings"),
                order=10,
                roles=("staff", "editor"),
            )
        )
        staff_tool_register(
            StaffTool(
                "seasons",
                _("Seasons, applications and participants"),
                lambda: reverse("admin:app_list", args=["lms"]),
                _("Stage dates, the age check, level overrides"),
                order=20,
            )
        )
        staff_tool_register(
            StaffTool(
                "api-docs",
                _("API documentation"),
                lambda: reverse("api-docs"),
                order=90,
                roles=("staff", "editor", "speaker", "expert"),
            )
        )
