"""Guests invited to season-wide sessions, without an account."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from live.models.sessions import LiveSession


class SessionGuest(models.Model):
    """A guest staff invite to a season-wide session (a speaker from outside, a ministry's
    representative): a name and an e-mail, no account. The e-mailed link is personal (signed, it
    names this row and its key); the guest's joining is counted for staff, never in participants'
    attendance. Staff erase a guest's name and e-mail when they are no longer needed."""

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="guests")
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    # Part of the signed link: a new key (re-inviting) makes the old links worthless.
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("invited by")
    )
    invited_at = models.DateTimeField(_("invited at"), auto_now_add=True)
    # The invitation e-mail is claimed (a conditional UPDATE) before it is sent and marked sent
    # after, so a retried task sends it once.
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("invitation sent at"), null=True, blank=True, editable=False)
    joined_at = models.DateTimeField(_("first joined at"), null=True, blank=True, editable=False)
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["session", "name", "id"]
        verbose_name = _("guest")
        verbose_name_plural = _("guests")
        constraints = [
            models.CheckConstraint(
                condition=Q(erased_at__isnull=False) | (~Q(name="") & ~Q(email="")),
                name="live_guest_named_until_erased",
                violation_error_message=_("A guest needs a name and an e-mail."),
            ),
            models.CheckConstraint(
                condition=Q(erased_at__isnull=True) | (Q(name="") & Q(email="")),
                name="live_guest_erased_holds_nothing",
                violation_error_message=_("An erased guest keeps no name or e-mail."),
            ),
        ]

    def __str__(self) -> str:
        return self.name or f"#{self.pk}"
