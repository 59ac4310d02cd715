"""The one shape of a deadline extension: a later deadline for one participant, granted by staff
with a reason, for a lecture (courses) or a test (assessments).

An abstract model, kept out of lms.models so that other apps may subclass it without reading the
core's tables. `policy_deadline` keeps the deadline the extension was granted against, so the
database itself refuses an extension that does not move the deadline later. The service that
grants one is `lms.services.deadline_extension_save`."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class DeadlineExtensionBase(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("participant")
    )
    deadline = models.DateTimeField(_("new deadline"))
    policy_deadline = models.DateTimeField(_("deadline it extends"), editable=False)
    reason = models.TextField(_("reason"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("granted by"),
        editable=False,
    )
    granted_at = models.DateTimeField(_("granted at"), auto_now=True)

    class Meta:
        abstract = True
        ordering = ["-granted_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gt=F("policy_deadline")),
                name="%(app_label)s_%(class)s_only_later",
                violation_error_message=_("An extension can only move the deadline later."),
            ),
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="%(app_label)s_%(class)s_has_reason",
                violation_error_message=_("Say why the deadline is extended."),
            ),
        ]
