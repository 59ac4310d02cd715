from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _site_root_ensure_after_migrate(sender, **kwargs) -> None:
    from django.apps import apps

    # post_migrate is sent once per app; only after the last one do Wagtail's permissions all exist.
    if sender is not list(apps.get_app_configs())[-1]:
        return
    from cms.services import site_root_ensure

    site_root_ensure()


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("Site")
    default_auto_field = "django.db.models.BigAutoField"
    role_permissions = {"staff": ["cms.*", "wagtailcore.*"], "editor": ["cms.*"]}

    def ready(self) -> None:
        post_migrate.connect(_site_root_ensure_after_migrate, dispatch_uid="cms.site_root_ensure")
