"""The programme's levels and tracks: the core's vocabulary, which every app may use.

Kept apart from lms.models so that an app can name a level or a track without importing the core's
tables (an import-linter contract allows other apps only lms.selectors and lms.services for those)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    BEGINNER = "beginner", _("Beginner")
    YOUNG = "young", _("Young")
    PRO = "pro", _("PRO")


class Track(models.TextChoices):
    INTRODUCTORY = "introductory", _("Introductory course")
    ADVANCED = "advanced", _("Advanced course")


# Beginner and Young share the introductory course; PRO take the advanced one (DOMAIN.md).
LEVEL_TRACK: dict[str, str] = {
    Level.BEGINNER: Track.INTRODUCTORY,
    Level.YOUNG: Track.INTRODUCTORY,
    Level.PRO: Track.ADVANCED,
}
