from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from cms.blocks import BaseStreamBlock
from lms.choices import Track
from lms.extensions import DeadlineExtensionBase


class CourseIndexPage(Page):
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["courses.CoursePage"]

    class Meta:
        verbose_name = _("course index")


class CoursePage(Page):
    season = models.ForeignKey("lms.Season", on_delete=models.PROTECT, related_name="+", verbose_name=_("season"))
    track = models.CharField(_("track"), max_length=15, choices=Track.choices)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    body = StreamField(BaseStreamBlock(), verbose_name=_("description"), blank=True, use_json_field=True)

    content_panels = Page.content_panels + [
        FieldPanel("season"),
        FieldPanel("track"),
        FieldPanel("summary"),
        FieldPanel("body"),
    ]
    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.LecturePage"]

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")


class LecturePage(Page):
    """A recorded webinar of a course with its access window.

    `available_from` and `deadline` are nullable in the database only so that a draft made from a
    live-session recording can exist before an editor sets its dates; the editing form requires
    the deadline, and a lecture without one is never open to participants. The live page is served
    through the access rules by `courses.wagtail_hooks.lecture_page_serve_hook`, not by `serve`:
    models import no views."""

    description = StreamField(BaseStreamBlock(), verbose_name=_("description"), blank=True, use_json_field=True)
    video = models.ForeignKey(
        "media.VideoAsset",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("video"),
    )
    required = models.BooleanField(
        _("required for completeness"),
        default=True,
        help_text=_("Interview admission counts whether participants watched every required lecture."),
    )
    available_from = models.DateTimeField(
        _("available from"), null=True, blank=True, help_text=_("Empty: available as soon as it is published.")
    )
    deadline = models.DateTimeField(_("access deadline"), null=True, blank=False)
    completion_threshold = models.FloatField(
        _("completion threshold"),
        null=True,
        blank=True,
        help_text=_("Share of the video (0–1) a participant must watch; empty: the site-wide setting."),
    )
    # The live session this lecture was recorded from; a plain id, so courses never import live.
    source_live_session_id = models.PositiveBigIntegerField(_("recorded from live session"), null=True, blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("video"),
        FieldPanel("description"),
        FieldPanel("required"),
        FieldPanel("available_from"),
        FieldPanel("deadline"),
        FieldPanel("completion_threshold"),
    ]
    parent_page_types = ["courses.CoursePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("lecture")
        verbose_name_plural = _("lectures")
        constraints = [
            models.CheckConstraint(
                condition=Q(available_from__isnull=True)
                | Q(deadline__isnull=True)
                | Q(deadline__gt=F("available_from")),
                name="lecture_deadline_after_opening",
            ),
            models.CheckConstraint(
                condition=Q(completion_threshold__isnull=True)
                | (Q(completion_threshold__gt=0) & Q(completion_threshold__lte=1)),
                name="lecture_completion_threshold_share",
            ),
        ]

    def clean(self) -> None:
        super().clean()
        if self.available_from and self.deadline and self.deadline <= self.available_from:
            raise ValidationError({"deadline": _("The deadline must come after the opening time.")})


class DeadlineExtension(DeadlineExtensionBase):
    """A later deadline for one participant (the shape shared with tests' extensions, see
    lms.extensions): for one lecture, or for every lecture of a course."""

    lecture = models.ForeignKey(
        LecturePage,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deadline_extensions",
        verbose_name=_("lecture"),
    )
    course = models.ForeignKey(
        CoursePage,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deadline_extensions",
        verbose_name=_("every lecture of the course"),
    )

    class Meta(DeadlineExtensionBase.Meta):
        verbose_name = _("deadline extension")
        verbose_name_plural = _("deadline extensions")
        constraints = [
            *DeadlineExtensionBase.Meta.constraints,
            models.CheckConstraint(
                condition=Q(lecture__isnull=False, course__isnull=True) | Q(lecture__isnull=True, course__isnull=False),
                name="deadline_extension_one_target",
                violation_error_message=_("Choose either one lecture or a whole course."),
            ),
            models.UniqueConstraint(
                fields=["user", "lecture"],
                condition=Q(lecture__isnull=False),
                name="deadline_extension_one_per_lecture",
            ),
            models.UniqueConstraint(
                fields=["user", "course"], condition=Q(course__isnull=False), name="deadline_extension_one_per_course"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.deadline:%Y-%m-%d %H:%M}"


class LectureProgress(models.Model):
    """What a participant has been credited for one lecture: the union of credited media spans.

    Spans are kept merged and sorted, so re-applying a span already counted changes nothing."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    lecture = models.ForeignKey(LecturePage, on_delete=models.CASCADE, related_name="progress_rows")
    spans = models.JSONField(default=list)
    watched_seconds = models.FloatField(default=0)
    progress = models.FloatField(default=0)
    last_position = models.FloatField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("lecture progress")
        verbose_name_plural = _("lecture progress")
        constraints = [
            models.UniqueConstraint(fields=["user", "lecture"], name="lecture_progress_one_per_user"),
            models.CheckConstraint(condition=Q(progress__gte=0, progress__lte=1), name="lecture_progress_share"),
            models.CheckConstraint(condition=Q(watched_seconds__gte=0), name="lecture_progress_watched_positive"),
        ]
        indexes = [
            # Who completed a lecture by its deadline is a range of this index (the completeness
            # contract reads a track's lectures one range each, whatever other seasons hold, and
            # never the table). Its columns are set once, at completion, so the progress updates
            # that follow stay HOT.
            models.Index(
                fields=["lecture", "completed_at"],
                include=["user"],
                condition=Q(completed_at__isnull=False),
                name="lecture_progress_completed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.lecture_id}: {self.progress:.0%}"


class LecturePlayback(models.Model):
    """One playback's crediting state when there is no Redis (the embedded demo writes through)."""

    playback_id = models.UUIDField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    lecture = models.ForeignKey(LecturePage, on_delete=models.CASCADE, related_name="+")
    seq = models.PositiveIntegerField(default=0)
    position = models.FloatField(default=0)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return str(self.playback_id)


class LectureLease(models.Model):
    """A participant's one "active playback" lease over all their lectures, when there is no Redis
    (see courses/beats/rules.py, `LeaseState`). The row is also what serialises a participant's beats."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+")
    holder = models.UUIDField(null=True, blank=True)
    since = models.DateTimeField()
    expires = models.DateTimeField()
    carry = models.FloatField()

    def __str__(self) -> str:
        return f"{self.user_id}: {self.holder or '-'}"


class ProgressDeadLetter(models.Model):
    """A credited span the flush could not store (its participant or lecture no longer exists, or
    the entry is unreadable), set aside with the reason so the rest of its batch is stored. Plain
    ids, no foreign keys: the row outlives what it names."""

    class Reason(models.TextChoices):
        USER_GONE = "user_gone", _("the participant's account no longer exists")
        LECTURE_GONE = "lecture_gone", _("the lecture no longer exists")
        MALFORMED = "malformed", _("the entry cannot be read")

    stream_id = models.CharField(_("stream entry"), max_length=40)
    user_id = models.BigIntegerField(_("user id"), null=True, blank=True)
    lecture_id = models.BigIntegerField(_("lecture id"), null=True, blank=True)
    fields = models.JSONField(_("entry"), default=dict)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    created_at = models.DateTimeField(_("set aside at"), auto_now_add=True)

    class Meta:
        verbose_name = _("progress dead letter")
        verbose_name_plural = _("progress dead letters")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.stream_id}: {self.reason}"
