"""Seats at season-wide sessions (the closing meeting and its panels)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from live.models.sessions import LiveSession


class SessionRegistration(models.Model):
    """A participant's seat at a season-wide session (the closing meeting or one of its panels)."""

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    registered_at = models.DateTimeField(_("registered at"), auto_now_add=True)

    class Meta:
        ordering = ["session", "registered_at", "id"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "user"],
                name="live_registration_one_per_session_and_user",
                violation_error_message=_("You are already registered for this session."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}/{self.user_id}"
