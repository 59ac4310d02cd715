from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Courses")
    default_auto_field = "django.db.models.BigAutoField"
    role_permissions = {"staff": ["courses.*"], "editor": ["courses.*"]}

    @property
    def openapi_paths(self) -> dict:
        """The plain views' OpenAPI paths, merged into the schema by lms.api.schema_add_app_paths."""
        from courses.schema import OPENAPI_PATHS

        return OPENAPI_PATHS

    def ready(self) -> None:
        from courses import conf
        from lms.celery import periodic_task_schedule

        periodic_task_schedule(
            entry="courses: flush progress",
            task="courses.lecture_progress_flush_task",
            seconds=conf.flush_interval_seconds(),
        )
        from django.urls import reverse

        from courses.cabinet import COURSES_PANEL
        from courses.demo import demo_courses_seed
        from lms.cabinet import StaffTool, cabinet_panel_register, staff_tool_register
        from lms.signals import demo_seeded

        cabinet_panel_register(COURSES_PANEL)
        from courses.privacy import COURSES_PART
        from lms.privacy.registry import personal_data_part_register

        personal_data_part_register(COURSES_PART)
        staff_tool_register(
            StaffTool(
                "lecture-figures",
                _("Lecture viewing"),
                lambda: reverse("lecture-figures"),
                _("Who watched which lecture; missing required lectures per participant"),
                order=30,
                roles=("staff", "editor"),
            )
        )
        demo_seeded.connect(demo_courses_seed, dispatch_uid="courses.demo_courses_seed")
        # Pages show the track's courses and lectures from the cache (courses.selectors.lectures):
        # publishing, unpublishing, saving, moving or deleting either, or an extension, starts afresh.
        from wagtail.signals import page_unpublished, post_page_move

        from courses.models import CoursePage, DeadlineExtension, LecturePage
        from courses.selectors.lectures import TRACK_PAGES_CACHE
        from lms.memo import page_cache_forget_on

        page_cache_forget_on(
            subject=TRACK_PAGES_CACHE,
            senders=(CoursePage, LecturePage),
            signals=(post_save, post_delete, page_unpublished, post_page_move),
        )
        # The cached lectures say whether anyone has an extension for them.
        page_cache_forget_on(subject=TRACK_PAGES_CACHE, senders=(DeadlineExtension,))
        from courses.health import BeatStream
        from courses.metrics import metrics_register
        from lms.health import health_check_register

        health_check_register(BeatStream())
        metrics_register()
