"""The closing of a season: the awards staff give (finalist, best project, an education module at a
partner university) and the certificates of what each participant completed.

Here, in the app that decides who goes on, because every certificate but the awards' is read from
its decisions: the published admission (the education block completed) and the submitted interview
sheets (the expert interview taken part in)."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThanOrEqual
from django.utils.translation import gettext_lazy as _


class AwardKind(models.TextChoices):
    FINALIST = "finalist", _("Finalist of the programme")
    BEST_PROJECT = "best_project", _("Best project")
    EDUCATION_MODULE = "education_module", _("Education module at a partner university")


class CertificateKind(models.TextChoices):
    """What a certificate attests: a stage completed, or one of the awards (same values)."""

    EDUCATION = "education", _("Completed the education block")
    INTERVIEW = "interview", _("Took part in the expert interview")
    FINALIST = AwardKind.FINALIST.value, AwardKind.FINALIST.label
    BEST_PROJECT = AwardKind.BEST_PROJECT.value, AwardKind.BEST_PROJECT.label
    EDUCATION_MODULE = AwardKind.EDUCATION_MODULE.value, AwardKind.EDUCATION_MODULE.label


# 12 random bytes, 16 URL-safe characters: 96 bits, so a code is never guessed (the verification
# page needs no login); the page refuses anything else before it reads the table.
CODE_BYTES = 12
CODE_LENGTH = 16


def certificate_code_new() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


class Award(models.Model):
    """One award of one participant in their season, as it stands; every grant and withdrawal is
    kept in AwardChange (written only by `assessments.services.awards.award_change`)."""

    participant = models.ForeignKey(
        "lms.Participant", on_delete=models.PROTECT, related_name="+", verbose_name=_("participant")
    )
    season = models.ForeignKey("lms.Season", on_delete=models.PROTECT, related_name="+", verbose_name=_("season"))
    kind = models.CharField(_("award"), max_length=20, choices=AwardKind.choices)
    note = models.TextField(_("note"), blank=True, max_length=1000)
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("awarded by")
    )
    awarded_at = models.DateTimeField(_("awarded at"), auto_now_add=True)

    class Meta:
        ordering = ["season", "participant", "kind"]
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        constraints = [
            models.UniqueConstraint(fields=["participant", "kind"], name="award_once_per_participant"),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id}: {self.kind}"


class AwardChange(models.Model):
    """The audit of the awards, as RoleChange is of the roles: who gave or took which award from
    whom, when, with the note or the reason."""

    class Action(models.TextChoices):
        GRANT = "grant", _("granted")
        WITHDRAW = "withdraw", _("withdrawn")

    participant = models.ForeignKey(
        "lms.Participant", on_delete=models.PROTECT, related_name="+", verbose_name=_("participant")
    )
    kind = models.CharField(_("award"), max_length=20, choices=AwardKind.choices)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    note = models.TextField(_("note or reason"), blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("changed by")
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("award change")
        verbose_name_plural = _("award changes")
        constraints = [
            # A withdrawal says why; a grant's note is optional.
            models.CheckConstraint(
                condition=Q(action="grant") | (Q(action="withdraw") & ~Q(note="")), name="award_change_explained"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id}: {self.get_action_display()} {self.kind}"


class Certificate(models.Model):
    """A certificate issued to a participant: one per participant and kind (issuing again adds
    only the missing ones; a revoked certificate stays revoked). The name is the holder's as it was
    at issue; an erasure of the person blanks it and revokes the certificate."""

    class Revoked(models.TextChoices):
        STAFF = "staff", _("by staff")
        ERASURE = "erasure", _("the holder's personal data was erased")

    code = models.CharField(_("code"), max_length=32, unique=True, default=certificate_code_new, editable=False)
    participant = models.ForeignKey(
        "lms.Participant", on_delete=models.PROTECT, related_name="+", verbose_name=_("participant")
    )
    season = models.ForeignKey("lms.Season", on_delete=models.PROTECT, related_name="+", verbose_name=_("season"))
    kind = models.CharField(_("for"), max_length=20, choices=CertificateKind.choices)
    holder_name = models.CharField(_("holder's name at issue"), max_length=460, blank=True)
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("issued by")
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_because = models.CharField(_("revoked"), max_length=10, choices=Revoked.choices, blank=True)
    revoke_reason = models.TextField(_("reason for the revocation"), blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    class Meta:
        ordering = ["season", "holder_name", "kind", "id"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.UniqueConstraint(fields=["participant", "kind"], name="certificate_once_per_participant_and_kind"),
            models.CheckConstraint(
                condition=Q(GreaterThanOrEqual(Length("code"), CODE_LENGTH)), name="certificate_code_long_enough"
            ),
            # Revoked: when and why together; by staff with a person and a reason, by an erasure alone.
            models.CheckConstraint(
                condition=(
                    Q(revoked_at__isnull=True, revoked_because="", revoke_reason="", revoked_by__isnull=True)
                    | Q(revoked_at__isnull=False, revoked_because="staff", revoked_by__isnull=False)
                    & ~Q(revoke_reason="")
                    | Q(revoked_at__isnull=False, revoked_because="erasure")
                ),
                name="certificate_revocation_complete",
            ),
            # Only an erased holder's certificate has no name.
            models.CheckConstraint(
                condition=~Q(holder_name="") | Q(revoked_because="erasure"), name="certificate_names_its_holder"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class CertificateBatch(models.Model):
    """A season's issue too big to do inside the staff member's request: a Celery task claims it
    (a conditional UPDATE, so a second delivery does nothing) and issues what is missing then."""

    season = models.ForeignKey("lms.Season", on_delete=models.PROTECT, related_name="+", verbose_name=_("season"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    issued = models.PositiveIntegerField(_("issued"), default=0)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("certificate batch")
        verbose_name_plural = _("certificate batches")

    def __str__(self) -> str:
        return f"{self.season_id}: {self.requested_at:%Y-%m-%d %H:%M}"
