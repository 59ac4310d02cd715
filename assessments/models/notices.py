from django.db import models
from django.utils.translation import gettext_lazy as _


class ClaimedEmail(models.Model):
    """What every e-mail of the admission and the interviews keeps to be sent once: the address,
    when a task claimed it (a conditional UPDATE, so a retried or parallel task skips it) and when
    it was sent (see assessments.services.admission_publish.notice_claim_and_send)."""

    email = models.EmailField(_("e-mail"))
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        abstract = True
