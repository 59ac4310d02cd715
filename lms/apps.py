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
            "auth.view_user",
            "auth.change_user",
        ],
        "editor": ["wagtailadmin.access_admin"],
    }

    def ready(self) -> None:
        from lms.signals import (  # noqa: F401
            api_tokens_revoke_on_mfa_removed,
            api_tokens_revoke_on_password_change,
            applications_count_on_email_confirmed,
            mfa_code_failed,
            roles_sync_after_migrate,
            timezone_remember_on_login,
        )

        post_migrate.connect(roles_sync_after_migrate, dispatch_uid="lms.roles_sync")
        self._register_staff_tools()
        self._register_personal_data()

    def _register_personal_data(self) -> None:
        from django.urls import reverse

        from lms.cabinet import CabinetPanel, StaffTool, cabinet_panel_register, staff_tool_register
        from lms.candidacy.privacy import CANDIDACY_PART
        from lms.celery import periodic_task_schedule
        from lms.hosts.privacy import HOSTS_PART
        from lms.privacy.parts import LMS_PART
        from lms.privacy.registry import personal_data_part_register
        from lms.privacy.selectors import retention_sweep_interval_seconds
        from lms.social.privacy import SOCIAL_PART

        personal_data_part_register(LMS_PART)
        personal_data_part_register(HOSTS_PART)
        personal_data_part_register(SOCIAL_PART)
        personal_data_part_register(CANDIDACY_PART)
        from lms.candidacy.cabinet import candidacy_panel_context

        cabinet_panel_register(
            CabinetPanel(
                "candidacy",
                _("Internships: your choices and CV"),
                "lms/candidacy/cabinet_panel.html",
                candidacy_panel_context,
                order=60,
            )
        )
        cabinet_panel_register(
            CabinetPanel(
                "personal-data",
                _("Your personal data"),
                "lms/privacy/cabinet_panel.html",
                lambda request, participant: {"left_at": participant.left_at},
                order=900,
            )
        )
        staff_tool_register(
            StaffTool(
                "personal-data",
                _("Erasing personal data"),
                lambda: reverse("staff-people"),
                _("Erase a person at their request"),
                order=80,
            )
        )
        periodic_task_schedule(
            entry="lms: retention sweep",
            task="lms.retention_sweep",
            seconds=retention_sweep_interval_seconds(),
        )

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
                "hosts",
                _("Host bodies and internship offers"),
                lambda: reverse("hosts:staff-hosts"),
                _("ROIVs, FOIVs and state corporations, their people and offers per season; the season's import"),
                order=30,
            )
        )
        staff_tool_register(
            StaffTool(
                "own-host",
                _("Your host body"),
                lambda: reverse("hosts:own-host"),
                _("Its contacts and people, its internship offers per season"),
                order=30,
                roles=("host",),
            )
        )
        staff_tool_register(
            StaffTool(
                "offer-preferences",
                _("Participants' internship choices"),
                lambda: reverse("candidacy:staff-preferences"),
                _("The offers each participant ranked, their motivations and CVs"),
                order=31,
            )
        )
        staff_tool_register(
            StaffTool(
                "host-applicants",
                _("Who applied to your internships"),
                lambda: reverse("candidacy:host-applicants"),
                _("The participants who ranked your offers, with their CVs"),
                order=31,
                roles=("host",),
            )
        )
        staff_tool_register(
            StaffTool(
                "api-docs",
                _("API documentation"),
                lambda: reverse("api-docs"),
                order=90,
                roles=("staff", "editor", "speaker", "expert", "host"),
            )
        )
