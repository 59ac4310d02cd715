"""live's vocabulary, readable by other apps without live's tables (as lms.choices is the core's):
where attendance comes from, the kinds of raw signal, and the statuses of a participant's attendance."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    PAGE = "page", _("Our page")
    BBB = "bbb", _("BigBlueButton")
    REPORT = "report", _("Imported report")
    MANUAL = "manual", _("Manual mark")


class EventKind(models.TextChoices):
    BEAT = "beat", _("Presence beat")
    HIDDEN = "hidden", _("Page hidden")
    JOIN = "join", _("Joined")
    LEAVE = "leave", _("Left")
    INTERVAL = "interval", _("Interval")


class MarkStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    LATE = "late", _("Late")
    ABSENT = "absent", _("Absent")
    EXCUSED = "excused", _("Excused")
