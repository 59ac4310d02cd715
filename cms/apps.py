from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


def _programme_settings_forget(sender, **kwargs) -> None:
    from cms.selectors import programme_settings_forget

    programme_settings_forget()


def _site_root_ensure_after_migrate(sender, **kwargs) -> None:
    from lms.signals import migrate_finished

    if not migrate_finished(sender):
        return
    from cms.services import site_root_ensure

    site_root_ensure()


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("Site")
    default_auto_field = "django.db.models.BigAutoField"
    role_permissions = {"staff": ["cms.*", "wagtailcore.*"], "editor": ["cms.*"]}

    def ready(self) -> None:
        from wagtail.models import Site

        from cms.models import ProgrammeSettings
        from cms.services import home_page_content_ensure
        from lms.celery import periodic_task_schedule
        from lms.signals import demo_seeded

        # Wagtail's scheduled publishing (go-live and expiry times) needs something to run it.
        periodic_task_schedule(entry="cms: publish scheduled pages", task="cms.pages_publish_scheduled", seconds=60)

        post_migrate.connect(_site_root_ensure_after_migrate, dispatch_uid="cms.site_root_ensure")
        # Pages show the settings of the request's site from the cache (cms.selectors): a change of
        # either drops it.
        for model in (ProgrammeSettings, Site):
            for signal in (post_save, post_delete):
                signal.connect(_programme_settings_forget, sender=model, dispatch_uid=f"cms.forget.{model.__name__}")
        self._page_routes_forget_on_change()
        demo_seeded.connect(home_page_content_ensure, dispatch_uid="cms.home_page_content_ensure")

    @staticmethod
    def _page_routes_forget_on_change() -> None:
        """Pages are served through routes kept in the pages' cache (cms.selectors): a page saved,
        published, unpublished, moved or deleted, or a site changed, starts a new generation of them."""
        from wagtail.models import Site, get_page_models
        from wagtail.signals import page_published, page_unpublished, post_page_move

        from cms.selectors import PAGE_ROUTES_CACHE
        from lms.memo import page_cache_forget_on

        page_cache_forget_on(
            subject=PAGE_ROUTES_CACHE,
            senders=get_page_models(),
            signals=(post_save, post_delete, page_published, page_unpublished, post_page_move),
        )
        page_cache_forget_on(subject=PAGE_ROUTES_CACHE, senders=(Site,))
