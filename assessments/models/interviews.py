from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from assessments.models.notices import ClaimedEmail
from lms.choices import Level
from lms.regions import FederalDistrict, timezone_choices

PRESENTATION_LIMIT_SECONDS = 5 * 60

# The five topics every self-presentation should cover (the expert ticks them off).
TOPICS = {
    "study": _("Study"),
    "experience": _("Work and public or youth-organisation experience"),
    "expectations": _("Expectations from the programme"),
    "internship": _("Internship choice (ROIV or FOIV) and why"),
    "proposals": _("Proposals and initiatives"),
}
RUBRIC = {
    "motivation": _("Motivation"),
    "communication": _("Communication"),
    "knowledge": _("Knowledge of public administration"),
    "initiative": _("Initiative"),
}
RUBRIC_MAX = 5


class InterviewPlan(models.Model):
    """What a season offers: online slots with experts, offline district meetings, or both."""

    season = models.OneToOneField("lms.Season", on_delete=models.CASCADE, related_name="+", verbose_name=_("season"))
    offers_online = models.BooleanField(_("online interviews"), default=True)
    offers_offline = models.BooleanField(_("offline district meetings"), default=False)
    cancel_cutoff_hours = models.PositiveSmallIntegerField(_("cancel or rebook until, hours before"), default=24)
    # Totals are shares of the rubric's highest score; two experts 20 points apart (e.g. 60 % and
    # 85 %) have read the candidate differently enough for the commission to talk it over.
    discussion_threshold = models.PositiveSmallIntegerField(
        _("discussion threshold, percentage points"),
        default=20,
        validators=[MaxValueValidator(100)],
        help_text=_("An interview whose experts' totals differ by more than this is flagged for discussion."),
    )
    # Set once, when staff publish the season's interview results (`services.results`).
    results_published_at = models.DateTimeField(_("interview results published at"), null=True, blank=True)
    results_published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("interview results published by"),
    )

    class Meta:
        verbose_name = _("interview plan")
        verbose_name_plural = _("interview plans")
        constraints = [
            models.CheckConstraint(
                condition=Q(offers_online=True) | Q(offers_offline=True), name="interview_plan_offers_something"
            )
        ]

    def __str__(self) -> str:
        return str(self.season)


class InterviewSlot(models.Model):
    """A time an expert offers for one interview. Experts publish their own (the availability page
    and API); staff may add them in the admin. A removed slot that was once booked and cancelled
    stays as an unpublished row, because its cancelled bookings still point at it."""

    season = models.ForeignKey("lms.Season", on_delete=models.CASCADE, related_name="+", verbose_name=_("season"))
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("expert")
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    published = models.BooleanField(_("published"), default=True)
    meeting_url = models.URLField(_("online link"), max_length=500, blank=True)
    room = models.CharField(_("room"), max_length=200, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("interview slot")
        verbose_name_plural = _("interview slots")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="interview_slot_ordered"),
            # Only published slots: a withdrawn slot must not keep its expert from that time again.
            models.UniqueConstraint(
                fields=["expert", "starts_at"], condition=Q(published=True), name="interview_slot_expert_once"
            ),
            models.CheckConstraint(condition=Q(meeting_url="") | Q(room=""), name="interview_slot_link_or_room"),
        ]

    def __str__(self) -> str:
        return f"{self.expert} {self.starts_at:%Y-%m-%d %H:%M}"


class ExpertProfile(models.Model):
    """What the programme keeps about an expert beyond their account: the zone they think in, for
    entering and reading their interview times (participants keep theirs on Participant)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("expert")
    )
    timezone = models.CharField(_("time zone"), max_length=40, choices=timezone_choices, default="Europe/Moscow")

    class Meta:
        verbose_name = _("expert profile")
        verbose_name_plural = _("expert profiles")

    def __str__(self) -> str:
        return str(self.user)


class OfflineMeeting(models.Model):
    season = models.ForeignKey("lms.Season", on_delete=models.CASCADE, related_name="+", verbose_name=_("season"))
    federal_district = models.CharField(_("federal district"), max_length=20, choices=FederalDistrict.choices)
    starts_at = models.DateTimeField(_("starts at"))
    place = models.CharField(_("place"), max_length=300)
    capacity = models.PositiveIntegerField(_("capacity"), default=100)
    # The meeting's panel: these experts score every interview of the meeting
    # (`services.interviews.interview_expert_check`); staff set it at /staff/interviews/meetings/<id>/.
    panel = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("panel of experts")
    )

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("selection meeting")
        verbose_name_plural = _("selection meetings")

    def __str__(self) -> str:
        return f"{self.get_federal_district_display()} {self.starts_at:%Y-%m-%d}"


class InterviewStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CANCELLED = "cancelled", _("Cancelled")


class Interview(models.Model):
    participant = models.ForeignKey(
        "lms.Participant", on_delete=models.CASCADE, related_name="+", verbose_name=_("participant")
    )
    slot = models.ForeignKey(
        InterviewSlot,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="interviews",
        verbose_name=_("slot"),
    )
    meeting = models.ForeignKey(
        OfflineMeeting,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="interviews",
        verbose_name=_("meeting"),
    )
    status = models.CharField(_("status"), max_length=10, choices=InterviewStatus.choices, default="booked")
    created_at = models.DateTimeField(_("booked at"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # Set when staff cancelled the booking (the programme's action, with its reason); empty when the
    # participant did, or an admission change did (that reason is the revision's).
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cancelled by"),
    )
    cancel_reason = models.TextField(_("reason for the cancellation"), blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("interview")
        verbose_name_plural = _("interviews")
        constraints = [
            # The database keeps a slot to one booking, whatever requests race for it.
            models.UniqueConstraint(
                fields=["slot"], condition=Q(status="booked", slot__isnull=False), name="interview_slot_booked_once"
            ),
            models.UniqueConstraint(
                fields=["participant"], condition=Q(status="booked"), name="interview_one_booking_per_participant"
            ),
            models.CheckConstraint(
                condition=Q(slot__isnull=False, meeting__isnull=True) | Q(slot__isnull=True, meeting__isnull=False),
                name="interview_online_or_offline",
            ),
            models.CheckConstraint(
                condition=Q(cancelled_by__isnull=True) | (Q(status="cancelled") & ~Q(cancel_reason="")),
                name="interview_staff_cancel_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id}: {self.slot or self.meeting}"


class InterviewCancelNotice(ClaimedEmail):
    """One e-mail about a booking staff cancelled: to the participant, and to the slot's expert.
    Claimed and marked sent like the admission e-mails, so nobody gets it twice."""

    class Kind(models.TextChoices):
        PARTICIPANT = "participant", _("Participant")
        EXPERT = "expert", _("Expert")

    interview = models.ForeignKey(
        Interview, on_delete=models.CASCADE, related_name="cancel_notices", verbose_name=_("interview")
    )
    kind = models.CharField(_("to"), max_length=12, choices=Kind.choices)

    class Meta:
        ordering = ["interview", "id"]
        verbose_name = _("cancellation e-mail")
        verbose_name_plural = _("cancellation e-mails")
        constraints = [
            models.UniqueConstraint(fields=["interview", "kind"], name="interview_cancel_notice_once"),
            models.CheckConstraint(
                condition=Q(sent_at__isnull=True) | Q(claimed_at__isnull=False),
                name="interview_cancel_notice_sent_claimed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.interview_id} → {self.email}"


class InterviewSheet(models.Model):
    """One expert's scoring of one interview; several experts' sheets are averaged."""

    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="sheets")
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    presentation_started_at = models.DateTimeField(_("self-presentation started"), null=True, blank=True)
    presentation_seconds = models.PositiveIntegerField(_("self-presentation, seconds"), null=True, blank=True)
    overrun_seconds = models.PositiveIntegerField(_("overrun, seconds"), default=0)
    topics = models.JSONField(_("topics covered"), default=dict)
    rubric = models.JSONField(_("rubric scores"), default=dict)
    comment = models.TextField(_("comment"), blank=True)
    recommended_level = models.CharField(_("recommended level"), max_length=10, choices=Level.choices, blank=True)
    # The highest score of the rubric the sheet was scored by: the total stays right if staff
    # later change the season's rubric.
    rubric_max = models.PositiveSmallIntegerField(_("highest rubric score"), default=RUBRIC_MAX)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("interview sheet")
        verbose_name_plural = _("interview sheets")
        constraints = [
            models.UniqueConstraint(fields=["interview", "expert"], name="interview_sheet_one_per_expert"),
        ]

    def __str__(self) -> str:
        return f"{self.interview_id} / {self.expert_id}"

    @property
    def total(self) -> float | None:
        if not self.rubric:
            return None
        return sum(self.rubric.values()) / (len(self.rubric) * self.rubric_max)
