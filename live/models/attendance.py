"""What a participant's attendance is: the manual marks and the figures derived from the events."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from live.choices import MarkStatus
from live.models.sessions import LiveSession


class ManualMark(models.Model):
    """Every manual change is a new row; the latest row per participant is the mark in force."""

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="manual_marks")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=MarkStatus.choices)
    comment = models.TextField(_("comment"), blank=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("marked by")
    )
    marked_at = models.DateTimeField(_("marked at"), auto_now_add=True)

    class Meta:
        ordering = ["session", "user", "-marked_at", "-id"]
        verbose_name = _("manual attendance mark")
        verbose_name_plural = _("manual attendance marks")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.status}"


class Attendance(models.Model):
    """Derived figures of one participant in one session (rebuilt from events at any time)."""

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="attendances")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    covered_seconds = models.PositiveIntegerField(default=0)
    window_seconds = models.PositiveIntegerField()
    first_joined_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=MarkStatus.choices)
    manual = models.BooleanField(default=False)
    sources = models.JSONField(default=list, blank=True)
    derived_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "user"],
                name="attendance_one_per_session_and_user",
                violation_error_message=_("A participant has one attendance row per session."),
            ),
            models.CheckConstraint(
                condition=Q(covered_seconds__lte=F("window_seconds")),
                name="attendance_covered_within_window",
                violation_error_message=_("Covered time cannot exceed the session's length."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}/{self.user_id}: {self.status}"

    @property
    def percent(self) -> float:
        return percent_of(self.covered_seconds, self.window_seconds)


def percent_of(covered_seconds: int, window_seconds: int) -> float:
    if window_seconds <= 0:
        return 0.0
    return round(min(covered_seconds, window_seconds) * 100 / window_seconds, 1)
