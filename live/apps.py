from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiveConfig(AppConfig):
    name = "live"
    verbose_name = _("Live sessions")
    default_auto_field = "django.db.models.BigAutoField"
    role_permissions = {
        "staff": ["live.*"],
        "editor": [
            "live.add_livesession",
            "live.change_livesession",
            "live.view_livesession",
            "live.add_speaker",
            "live.change_speaker",
            "live.view_speaker",
            "live.add_recording",
            "live.view_recording",
        ],
        "speaker": ["live.view_livesession", "live.add_manualmark", "live.view_manualmark", "live.view_attendance"],
    }

    @property
    def openapi_paths(self) -> dict:
        """The plain views' OpenAPI paths, merged into the schema by lms.api.schema_add_app_paths."""
        from live.schema import OPENAPI_PATHS

        return OPENAPI_PATHS

    def ready(self) -> None:
        from live import conf
        from lms.celery import periodic_task_schedule

        periodic_task_schedule(
            entry="live beats flush", task="live.presence_beats_flush", seconds=conf.beats_flush_every_seconds()
        )
        from django.urls import reverse

        from live.cabinet import LIVE_PANEL
        from live.demo import demo_live_seed
        from lms.cabinet import StaffTool, cabinet_panel_register, staff_tool_register
        from lms.signals import demo_seeded

        cabinet_panel_register(LIVE_PANEL)
        from live.privacy import LIVE_PART
        from lms.privacy.registry import personal_data_part_register

        personal_data_part_register(LIVE_PART)
        staff_tool_register(
            StaffTool(
                "live-console",
                _("Speakers' console"),
                lambda: reverse("live-console"),
                _("Start and end live sessions, the roster, attendance and its export"),
                order=30,
                roles=("staff", "speaker"),
            )
        )
        demo_seeded.connect(demo_live_seed, dispatch_uid="live.demo_live_seed")
        # Pages show the track's sessions from the cache (live.selectors.sessions): a session or a
        # manual mark saved or deleted starts afresh.
        from live.models import LiveSession, ManualMark
        from live.selectors.sessions import TRACK_SESSIONS_CACHE
        from lms.memo import page_cache_forget_on

        page_cache_forget_on(subject=TRACK_SESSIONS_CACHE, senders=(LiveSession, ManualMark))
