from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lms.regions import region_choices


class YouthBody(models.Model):
    """A region's youth-policy body: where that region's dossier of finalists goes. One per region;
    the last change keeps who made it and when (the row is the address book's only state)."""

    region_code = models.CharField(_("region"), max_length=2, choices=region_choices, unique=True)
    name = models.CharField(_("name"), max_length=300)
    # A list of addresses: a body often wants its head and its programme officer in copy.
    emails = models.JSONField(_("e-mail addresses"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("updated by")
    )

    class Meta:
        ordering = ["region_code"]
        verbose_name = _("regional youth-policy body")
        verbose_name_plural = _("regional youth-policy bodies")
        constraints = [models.CheckConstraint(condition=~Q(name=""), name="youth_body_named")]

    def __str__(self) -> str:
        return self.name
