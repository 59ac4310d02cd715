"""A live session (course-wide or season-wide), its speakers and the history of corrections of its
actual times."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from live import conf
from live.rooms.registry import delivery_choices, room_backend
from lms.choices import Track


class Speaker(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="speaker_profile", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=200)
    bio = models.TextField(_("biography"), blank=True)
    photo = models.ForeignKey(
        "wagtailimages.Image",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("photo"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("speaker")
        verbose_name_plural = _("speakers")

    def __str__(self) -> str:
        return self.name


class Delivery(models.TextChoices):
    """The built-in room types (live/conf.py: ROOM_BACKENDS); the field's choices are every
    configured backend's (live.rooms.registry.delivery_choices), so LIVE_ROOM_BACKENDS can add more."""

    BBB = "bbb", _("BigBlueButton room")
    JITSI = "jitsi", _("Jitsi room")
    ZOOM = "zoom", _("Zoom meeting")
    URL = "url", _("Other external room")
    OFFLINE = "offline", _("Offline meeting")


class LiveSession(models.Model):
    class Kind(models.TextChoices):
        COURSE = "course", _("Course session")
        # The closing stage's meetings: for the whole season (every track, no course), by registration.
        SEASON = "season", _("Season-wide session")

    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        LIVE = "live", _("Live now")
        ENDED = "ended", _("Ended")

    title = models.CharField(_("title"), max_length=255)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.COURSE)
    course = models.ForeignKey(
        "courses.CoursePage",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("course"),
    )
    season = models.ForeignKey("lms.Season", on_delete=models.PROTECT, related_name="+", verbose_name=_("season"))
    track = models.CharField(_("track"), max_length=15, choices=Track.choices, blank=True)
    # A discussion panel names the closing meeting it runs within; panels are season sessions too.
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="discussion_panels",  # (not "panels": Wagtail reads a model's "panels")
        verbose_name=_("part of (the closing meeting)"),
    )
    capacity = models.PositiveIntegerField(
        _("seats"), null=True, blank=True, help_text=_("For a season-wide session: empty means no limit.")
    )
    starts_at = models.DateTimeField(_("scheduled start"))
    ends_at = models.DateTimeField(_("scheduled end"))
    required = models.BooleanField(_("required for completion"), default=True)
    threshold_percent = models.PositiveSmallIntegerField(
        _("presence threshold, %"), default=80, help_text=_("Share of the session a participant must attend.")
    )
    join_opens_minutes = models.PositiveSmallIntegerField(_("join opens, minutes before the start"), default=15)
    delivery = models.CharField(_("delivery"), max_length=10, choices=delivery_choices, default=Delivery.BBB)
    room_url = models.URLField(_("room URL"), blank=True, help_text=_("For Jitsi, Zoom or another external room."))
    place = models.CharField(_("place"), max_length=300, blank=True, help_text=_("For offline meetings."))
    # BBB's meetingID for our create/join calls; webhooks and callbacks name the session by it.
    external_meeting_id = models.CharField(_("external meeting ID"), max_length=100, unique=True, null=True, blank=True)
    # The hookID bbb-webhooks answered when the room was created: set, the room's start does not
    # register the hook again.
    bbb_hook_id = models.CharField(_("BigBlueButton webhook ID"), max_length=100, blank=True, editable=False)
    speakers = models.ManyToManyField(Speaker, related_name="sessions", blank=True, verbose_name=_("speakers"))
    actual_started_at = models.DateTimeField(_("actually started"), null=True, blank=True)
    actual_ended_at = models.DateTimeField(_("actually ended"), null=True, blank=True)
    # When the attendance figures were last derived from the raw events (the console shows it).
    figures_derived_at = models.DateTimeField(_("figures derived at"), null=True, blank=True, editable=False)
    # The last attendance evidence of any source as the last derivation found it (live.rules.
    # evidence_end): where the window of a session not ended in time ends (window_end).
    last_evidence_at = models.DateTimeField(_("last attendance evidence"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("live session")
        verbose_name_plural = _("live sessions")
        # Each rule names itself in words: an editor saving the session in Wagtail sees the
        # message, not the constraint's name (clean() puts the two an editor can break on their fields).
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="live_session_ends_after_start",
                violation_error_message=_("The session must end after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(threshold_percent__gte=1, threshold_percent__lte=100),
                name="live_session_threshold_percent",
                violation_error_message=_("The presence threshold must be a percentage from 1 to 100."),
            ),
            models.CheckConstraint(
                condition=Q(actual_ended_at__isnull=True)
                | (Q(actual_started_at__isnull=False) & Q(actual_ended_at__gt=F("actual_started_at"))),
                name="live_session_actual_end_after_start",
                violation_error_message=_("A session can only end after it has actually started."),
            ),
            models.CheckConstraint(
                condition=~Q(delivery="offline") | ~Q(place=""),
                name="live_session_offline_has_place",
                violation_error_message=_("An offline meeting needs a place."),
            ),
            models.CheckConstraint(
                condition=(Q(kind="course") & Q(course__isnull=False) & ~Q(track="") & Q(parent__isnull=True))
                | (Q(kind="season") & Q(course__isnull=True) & Q(track="")),
                name="live_session_kind_fields",
                violation_error_message=_(
                    "A course session has a course and a track; a season-wide session has neither "
                    "(and only a season-wide session may be a panel of another)."
                ),
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | (Q(kind="season") & Q(capacity__gte=1)),
                name="live_session_capacity_season_only",
                violation_error_message=_("Only a season-wide session has seats, at least one."),
            ),
        ]
        indexes = [models.Index(fields=["season", "track", "starts_at"])]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        """The two rules an editor can break in the form, on the fields to correct (the
        constraints then skip them, so the message is not shown twice)."""
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = [ValidationError(_("The session must end after it starts."), code="ends_before_start")]
        if self.delivery == Delivery.OFFLINE and not (self.place or "").strip():
            errors["place"] = [ValidationError(_("An offline meeting needs a place."), code="offline_without_place")]
        known = self.delivery in conf.room_backends()  # an unknown one is the field's own error
        if known and room_backend(self.delivery).needs_room_url and not (self.room_url or "").strip():
            errors["room_url"] = [
                ValidationError(_("An external room needs its link: participants join through it."), code="no_room_url")
            ]
        if self.kind == self.Kind.SEASON:
            if self.course_id:
                errors["course"] = [ValidationError(_("A season-wide session has no course."), code="season_course")]
            if self.track:
                errors["track"] = [ValidationError(_("A season-wide session is for every track."), code="season_track")]
            if self.parent_id and (self.parent_id == self.pk or self.parent.kind != self.Kind.SEASON):
                errors["parent"] = [
                    ValidationError(_("A panel is part of another season-wide session."), code="parent_kind")
                ]
        else:
            if not self.course_id:
                errors["course"] = [ValidationError(_("A course session needs its course."), code="no_course")]
            if not self.track:
                errors["track"] = [ValidationError(_("A course session needs its track."), code="no_track")]
            if self.parent_id:
                errors["parent"] = [
                    ValidationError(_("Only a season-wide session may be a panel."), code="course_parent")
                ]
        if errors:
            raise ValidationError(errors)

    @property
    def window_start(self):
        return self.actual_started_at or self.starts_at

    @property
    def scheduled_end(self):
        """The scheduled end, or the start when the speaker started after it."""
        return max(self.ends_at, self.actual_started_at or self.ends_at)

    @property
    def overrun_limit(self):
        """How long a started session may stay open past its scheduled end: one nobody ends (no
        "end" pressed, no BBB meeting-ended) ends itself here."""
        return self.scheduled_end + timedelta(minutes=conf.max_overrun_minutes())

    @property
    def ended_in_time(self) -> bool:
        """Ended (by the speaker, BBB's meeting-ended or a correction) no later than its overrun
        limit: the time pressed is the window's end. An end pressed later (a day after) is not:
        the session had already ended itself."""
        return self.actual_ended_at is not None and self.actual_ended_at <= self.overrun_limit

    @property
    def ends_by_evidence(self) -> bool:
        """Started, and not ended in time: its window ends at its last evidence (last_evidence_at)."""
        return self.actual_started_at is not None and not self.ended_in_time

    @property
    def window_end(self):
        """The end of the window the figures are measured against.

        Not started: the scheduled end. Ended in time: the time pressed (early or late). Otherwise
        (never ended, or ended after the limit) the last evidence of attendance, never later than
        the limit (live.rules.evidence_end, found by the derivation), or the scheduled end while
        there is none: a participant of a session nobody ended gets the figure they would have
        got had it been ended when its last participant was last seen. Computed from stored data
        alone, so it holds from the moment the limit passes, with no task run."""
        if self.actual_started_at is None:
            return self.ends_at
        if self.ended_in_time:
            return self.actual_ended_at
        evidence = self.last_evidence_at
        if evidence is not None and evidence > self.window_start:  # (a correction may move the start past it)
            return min(evidence, self.overrun_limit)
        return self.scheduled_end

    def running_at(self, now) -> bool:
        """Started and not ended yet: no end recorded and its overrun limit not reached."""
        return self.actual_started_at is not None and self.actual_ended_at is None and now < self.overrun_limit

    @property
    def running(self) -> bool:
        return self.running_at(timezone.now())

    @property
    def join_opens_at(self):
        """Joining opens the set minutes before the scheduled start, or when the speaker started
        the session, whichever is earlier."""
        opens_at = self.starts_at - timedelta(minutes=self.join_opens_minutes)
        return min(opens_at, self.actual_started_at) if self.actual_started_at else opens_at

    @property
    def plausible_bounds(self):
        """The times an event of this session may lie within: a day before its (scheduled or
        actual) start to a day after its (actual or scheduled) end or its overrun limit. Reports are
        checked against them and stored events clipped to them, so a stray time like 9999-12-31
        never reaches the figures' arithmetic (which would overflow)."""
        margin = timedelta(days=1)
        starts = min(self.starts_at, self.actual_started_at or self.starts_at)
        ends = max(self.actual_ended_at or self.ends_at, self.ends_at, self.overrun_limit)
        return starts - margin, ends + margin

    def window_end_at(self, now):
        """The window as the live views see it at `now` (who is present, the per-minute chart, the
        presence key): a running session's reaches to `now`, at least to the scheduled end and
        never past the overrun limit; any other's is window_end."""
        if self.running_at(now):
            return min(max(self.ends_at, now), self.overrun_limit)
        return self.window_end

    def joinable_at(self, now) -> bool:
        """Open to join (and to beats) from join_opens_at; a running session until it ends,
        however long it overruns (up to overrun_limit); any other until its window's end."""
        if self.running_at(now):
            return self.join_opens_at <= now
        return self.join_opens_at <= now <= self.window_end

    def state_at(self, now) -> str:
        """Ended once an end is recorded, once the scheduled end passes unstarted, or once a
        started session reaches its overrun limit (it ends itself: read from the data, whether or
        not anything ran at that moment)."""
        if not self.running_at(now) and (self.actual_started_at or now >= self.ends_at):
            return self.State.ENDED
        if self.actual_started_at or now >= self.starts_at:
            return self.State.LIVE
        return self.State.SCHEDULED


class SessionTimesCorrection(models.Model):
    """A correction of a session's actual start and end, kept with who made it, when and why; the
    session's own fields hold the times in force, these rows the history (the console shows it)."""

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="time_corrections")
    started_before = models.DateTimeField(_("start before the correction"), null=True, blank=True)
    ended_before = models.DateTimeField(_("end before the correction"), null=True, blank=True)
    started_at = models.DateTimeField(_("corrected start"))
    ended_at = models.DateTimeField(_("corrected end"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("corrected by")
    )
    corrected_at = models.DateTimeField(_("corrected at"), auto_now_add=True)

    class Meta:
        ordering = ["-corrected_at", "-id"]
        verbose_name = _("correction of a session's times")
        verbose_name_plural = _("corrections of sessions' times")
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="live_correction_has_reason",
                violation_error_message=_("Give the reason for the correction."),
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gt=F("started_at")),
                name="live_correction_end_after_start",
                violation_error_message=_("A session can only end after it has actually started."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}: {self.started_at} – {self.ended_at}"
