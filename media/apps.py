from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediaConfig(AppConfig):
    name = "media"
    verbose_name = _("Video")
    default_auto_field = "django.db.models.BigAutoField"
    role_permissions = {"editor": ["media.*"], "staff": ["media.*"]}
