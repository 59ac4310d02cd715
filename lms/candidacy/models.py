"""The tables of a participant's candidacy: ranked offers and CV versions. Imported by lms/models.py
so that Django registers them under the `lms` label; they name other tables by string."""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# A motivation is a few sentences: enough for a ministry to read at a glance.
MOTIVATION_MAX = 500


class OfferPreference(models.Model):
    """One offer a participant ranks: 1 is their first choice."""

    participant = models.ForeignKey(
        "lms.Participant", on_delete=models.CASCADE, related_name="offer_preferences", verbose_name=_("participant")
    )
    offer = models.ForeignKey(
        "lms.InternshipOffer", on_delete=models.CASCADE, related_name="preferences", verbose_name=_("internship offer")
    )
    rank = models.PositiveSmallIntegerField(_("rank"))
    # Blank only after an erasure: the services require it.
    motivation = models.TextField(_("motivation"), max_length=MOTIVATION_MAX, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["participant", "rank"]
        verbose_name = _("ranked internship offer")
        verbose_name_plural = _("ranked internship offers")
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "rank"],
                name="offer_preference_rank_unique",
                violation_error_message=_("Two offers cannot share one rank."),
            ),
            models.UniqueConstraint(
                fields=["participant", "offer"],
                name="offer_preference_offer_unique",
                violation_error_message=_("An offer can be ranked only once."),
            ),
            models.CheckConstraint(
                condition=Q(rank__gte=1),
                name="offer_preference_rank_positive",
                violation_error_message=_("Ranks start at 1."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} #{self.rank}: {self.offer_id}"


def cv_photo_path(instance: "CvVersion", filename: str) -> str:
    """Under the person's own folder (the erasure removes it whole), under a random name: the name
    the participant's computer gave the file says nothing we keep."""
    suffix = PurePosixPath(filename).suffix.lower()[:8]
    return f"cv/{instance.participant.user_id}/{uuid.uuid4().hex}{suffix}"


class CvVersion(models.Model):
    """One saved CV ("справка-объективка"). Never changed once written: each save by the participant
    makes the next version; the latest is the CV, the earlier ones stay for staff. The name and the
    date of birth are copied from the application, so a version reads the same later."""

    participant = models.ForeignKey(
        "lms.Participant", on_delete=models.CASCADE, related_name="cv_versions", verbose_name=_("participant")
    )
    number = models.PositiveIntegerField(_("version"))
    full_name = models.CharField(_("full name"), max_length=460)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    place_of_birth = models.CharField(_("place of birth"), max_length=200)
    education = models.TextField(_("education"), max_length=2000)
    work = models.TextField(_("work experience"), max_length=2000, blank=True)
    public_activity = models.TextField(_("public activity"), max_length=2000, blank=True)
    awards = models.TextField(_("awards"), max_length=1000, blank=True)
    languages = models.CharField(_("languages"), max_length=300, blank=True)
    # A version without a new photo keeps the previous version's file (the same name): files are
    # never overwritten, so a shared one is as immutable as the rows.
    photo = models.FileField(_("photo"), upload_to=cv_photo_path, max_length=200, blank=True)
    photo_content_type = models.CharField(_("photo type"), max_length=30, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("saved by")
    )
    created_at = models.DateTimeField(_("saved at"), auto_now_add=True)

    class Meta:
        ordering = ["participant", "-number"]
        verbose_name = _("CV version")
        verbose_name_plural = _("CV versions")
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "number"],
                name="cv_version_number_unique",
                violation_error_message=_("This CV version exists already."),
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="cv_version_number_positive"),
            models.CheckConstraint(
                condition=Q(photo="", photo_content_type="") | (~Q(photo="") & ~Q(photo_content_type="")),
                name="cv_version_photo_typed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} v{self.number}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValidationError(_("A saved CV version is never changed: save a new one."))
        super().save(*args, **kwargs)
