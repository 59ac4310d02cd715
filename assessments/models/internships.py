"""Internships (issue 15 §4): a settled placement becomes an internship with its dates, a
supervisor at the host (one of the body's people or an external person) and a plan; the intern
keeps a weekly log; the host's people confirm the attendance week by week and give the final
feedback by a rubric, which staff may reopen (the earlier one kept). A later decline or move of
the placement cancels it (kept, not deleted). Its state (not started, in progress, overdue,
finished) is derived from the dates and the feedback, never stored (`selectors.internships`)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from assessments.models.notices import ClaimedEmail


class InternshipQuerySet(models.QuerySet):
    def active(self) -> "InternshipQuerySet":
        """Not cancelled: what the states, counts, lists, dossiers and the talent pool read."""
        return self.filter(cancelled_at__isnull=True)


class CancelCause(models.TextChoices):
    DECLINED_BY_PARTICIPANT = "declined_by_participant", _("The participant declined the placement")
    DECLINED_BY_HOST = "declined_by_host", _("The host declined the placement")
    MOVED = "moved", _("Staff moved the participant to another offer")


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    ABSENT = "absent", _("Absent")


class Internship(models.Model):
    season = models.ForeignKey("lms.Season", on_delete=models.PROTECT, related_name="+", verbose_name=_("season"))
    participant = models.ForeignKey(
        "lms.Participant", on_delete=models.PROTECT, related_name="+", verbose_name=_("participant")
    )
    offer = models.ForeignKey(
        "lms.InternshipOffer", on_delete=models.PROTECT, related_name="+", verbose_name=_("internship offer")
    )
    # The published run whose settled placement it was made from (for the audit trail).
    run = models.ForeignKey(
        "assessments.PlacementRun", on_delete=models.PROTECT, related_name="+", verbose_name=_("placement run")
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    # The supervisor: one of the host body's people (`supervisor_user`, their name and e-mail
    # copied at the choice) or an external person (the name and e-mail typed); the pages and the
    # dossier read the name and e-mail either way.
    supervisor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("supervisor among the body's people"),
    )
    supervisor_name = models.CharField(_("supervisor"), max_length=200, blank=True)
    supervisor_email = models.EmailField(_("supervisor's e-mail"), blank=True)
    plan = models.TextField(_("plan of tasks"), max_length=4000, blank=True)
    # The final feedback, given once: the scores by criterion key, and the rubric as it was then
    # (title, highest score, labels), so a later change of the body's rubric does not reword it.
    feedback_at = models.DateTimeField(_("feedback given at"), null=True, blank=True)
    feedback_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("feedback given by"),
    )
    feedback_rubric = models.JSONField(_("feedback rubric"), default=dict, blank=True)
    feedback_scores = models.JSONField(_("feedback scores"), default=dict, blank=True)
    feedback_comment = models.TextField(_("feedback comment"), max_length=4000, blank=True)
    # Set once (a conditional UPDATE) when it ended a week ago without feedback and staff were told.
    flagged_at = models.DateTimeField(_("flagged to staff at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Cancelled (never deleted) when the placement it was made from is declined or moved afterwards.
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cancelled by"),
    )
    cancel_cause = models.CharField(_("cancelled because"), max_length=30, choices=CancelCause.choices, blank=True)
    cancel_reason = models.TextField(_("reason for the cancellation"), max_length=2000, blank=True)

    objects = InternshipQuerySet.as_manager()

    class Meta:
        ordering = ["season", "starts_on", "id"]
        verbose_name = _("internship")
        verbose_name_plural = _("internships")
        constraints = [
            # One active internship per participant and season: a cancelled one leaves room for the next.
            models.UniqueConstraint(
                fields=["season", "participant"],
                condition=Q(cancelled_at__isnull=True),
                name="internship_one_active_per_participant",
            ),
            models.CheckConstraint(
                condition=Q(cancelled_at__isnull=True) | ~Q(cancel_cause=""), name="internship_cancel_has_cause"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="internship_dates_ordered",
                violation_error_message=_("The internship ends on or after the day it starts."),
            ),
            models.CheckConstraint(
                condition=Q(feedback_at__isnull=True) | ~Q(feedback_scores={}), name="internship_feedback_scored"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} · {self.offer_id} ({self.starts_on}–{self.ends_on})"


class InternshipLogEntry(models.Model):
    """The intern's short note for one ISO week (`week`: its Monday), written during that week."""

    internship = models.ForeignKey(
        Internship, on_delete=models.CASCADE, related_name="log_entries", verbose_name=_("internship")
    )
    week = models.DateField(_("week (its Monday)"))
    text = models.TextField(_("what I did this week"), max_length=2000)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["internship", "week"]
        verbose_name = _("internship log entry")
        verbose_name_plural = _("internship log entries")
        constraints = [
            models.UniqueConstraint(fields=["internship", "week"], name="internship_log_one_per_week"),
            # ISO weeks start on Monday (PostgreSQL's and SQLite's week_day: Sunday = 1, Monday = 2).
            models.CheckConstraint(condition=Q(week__week_day=2), name="internship_log_week_monday"),
            models.CheckConstraint(condition=~Q(text=""), name="internship_log_text_given"),
        ]

    def __str__(self) -> str:
        return f"{self.internship_id} · {self.week}"


class InternshipWeek(models.Model):
    """The supervisor's word on one ISO week of an internship (`week`: its Monday): the intern was
    present or absent (with a note). Given once per week: a second answer is refused (409), as the
    final feedback is; the week is read as the host confirmed it."""

    internship = models.ForeignKey(
        Internship, on_delete=models.CASCADE, related_name="weeks", verbose_name=_("internship")
    )
    week = models.DateField(_("week (its Monday)"))
    status = models.CharField(_("attendance"), max_length=10, choices=AttendanceStatus.choices)
    # Required for an absence by the service (not a constraint: an erasure blanks it).
    note = models.TextField(_("note"), max_length=2000, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )

    class Meta:
        ordering = ["internship", "week"]
        verbose_name = _("internship week")
        verbose_name_plural = _("internship weeks")
        constraints = [
            models.UniqueConstraint(fields=["internship", "week"], name="internship_week_once"),
            models.CheckConstraint(condition=Q(week__week_day=2), name="internship_week_monday"),
            models.CheckConstraint(
                condition=Q(status__in=AttendanceStatus.values), name="internship_week_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.internship_id} · {self.week}: {self.status}"


class InternshipFeedbackReopening(models.Model):
    """Staff reopened a given feedback with a reason: the earlier feedback as it was (scores,
    rubric, comment, who gave it and when) is kept here, and the host may give it again."""

    internship = models.ForeignKey(
        Internship, on_delete=models.CASCADE, related_name="reopenings", verbose_name=_("internship")
    )
    reason = models.TextField(_("reason"), max_length=2000)
    reopened_at = models.DateTimeField(_("reopened at"), auto_now_add=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("reopened by")
    )
    feedback_at = models.DateTimeField(_("feedback given at"))
    feedback_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("feedback given by"),
    )
    feedback_rubric = models.JSONField(_("feedback rubric"), default=dict, blank=True)
    feedback_scores = models.JSONField(_("feedback scores"), default=dict)
    feedback_comment = models.TextField(_("feedback comment"), max_length=4000, blank=True)

    class Meta:
        ordering = ["internship", "reopened_at", "id"]
        verbose_name = _("reopened internship feedback")
        verbose_name_plural = _("reopened internship feedback")

    def __str__(self) -> str:
        return f"{self.internship_id} · {self.reopened_at:%Y-%m-%d}"


class InternshipReopenNotice(ClaimedEmail):
    """An e-mail to one of the host's people that the feedback was reopened and why (one per
    reopening and address), claimed before sending and marked sent after."""

    reopening = models.ForeignKey(
        InternshipFeedbackReopening, on_delete=models.CASCADE, related_name="notices", verbose_name=_("reopening")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reopened feedback e-mail")
        verbose_name_plural = _("reopened feedback e-mails")
        constraints = [
            models.UniqueConstraint(fields=["reopening", "email"], name="internship_reopen_notice_once"),
            models.CheckConstraint(
                condition=Q(sent_at__isnull=True) | Q(claimed_at__isnull=False),
                name="internship_reopen_notice_sent_claimed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reopening_id} → {self.email}"


class InternshipFlagNotice(ClaimedEmail):
    """A staff member's e-mail about an internship that ended a week ago without feedback: claimed
    with a conditional UPDATE before sending and marked sent after (one per internship and address)."""

    internship = models.ForeignKey(
        Internship, on_delete=models.CASCADE, related_name="flag_notices", verbose_name=_("internship")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("internship flag e-mail")
        verbose_name_plural = _("internship flag e-mails")
        constraints = [
            models.UniqueConstraint(fields=["internship", "email"], name="internship_flag_notice_once"),
            models.CheckConstraint(
                condition=Q(sent_at__isnull=True) | Q(claimed_at__isnull=False),
                name="internship_flag_notice_sent_claimed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.internship_id} → {self.email}"


class InternshipCancelNotice(ClaimedEmail):
    """An e-mail to the intern that their internship was cancelled, and why (one per internship and
    address), claimed before sending and marked sent after."""

    internship = models.ForeignKey(
        Internship, on_delete=models.CASCADE, related_name="cancel_notices", verbose_name=_("internship")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("cancelled internship e-mail")
        verbose_name_plural = _("cancelled internship e-mails")
        constraints = [
            models.UniqueConstraint(fields=["internship", "email"], name="internship_cancel_notice_once"),
            models.CheckConstraint(
                condition=Q(sent_at__isnull=True) | Q(claimed_at__isnull=False),
                name="internship_cancel_notice_sent_claimed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.internship_id} → {self.email}"
