import time
import uuid
from datetime import UTC, datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.beats import Beat, BeatResult, beat_validate, progress_store
from courses.models import CoursePage, DeadlineExtension, LecturePage
from courses.selectors import (
    LectureState,
    beat_context_forget,
    lecture_access,
)


def lecture_draft_create(
    *, course_id: int, title: str, video_asset_id: int, source_live_session_id: int | None = None
) -> LecturePage:
    """An unpublished lecture under the course, for an editor to give dates and publish (or send
    to moderation). Used for live-session recordings."""
    course = CoursePage.objects.get(pk=course_id)
    lecture = LecturePage(
        title=title,
        video_id=video_asset_id,
        source_live_session_id=source_live_session_id,
        live=False,
    )
    # The draft has no deadline yet: the editing form requires one before publishing.
    course.add_child(instance=lecture)
    lecture.save_revision(clean=False)
    return lecture


def lecture_progress_record(
    *,
    user: AbstractBaseUser,
    lecture_id: int,
    playback_id: uuid.UUID,
    seq: int,
    start: float,
    end: float,
    rate: float,
    visible: bool,
    now: float | None = None,
) -> BeatResult:
    """Credit one heartbeat of a playback (see beats.beat_judge for the rules).

    Unknown lecture → Http404; not enrolled, not open yet or past the (extended) deadline →
    PermissionDenied with the reason; implausible input → ValidationError. In none of these cases
    does stored progress change. `now` (epoch seconds) is the server's receipt time."""
    from courses.selectors import lecture_beat_context

    now = time.time() if now is None else now
    context = lecture_beat_context(user=user, lecture_id=lecture_id)
    if context is None:
        raise Http404(_("There is no such lecture."))
    if not context.target.duration:
        raise ValidationError({"lecture": [_("The video of this lecture is not ready yet.")]})
    beat = Beat(playback_id, seq, start, end, rate, visible)
    beat_validate(beat=beat, duration=context.target.duration)
    access = lecture_access(
        available_from=context.available_from,
        enrolled=context.enrolled,
        deadline=context.deadline,
        now=datetime.fromtimestamp(now, tz=UTC),
    )
    if access.state != LectureState.OPEN:
        raise PermissionDenied(access.reason)
    return progress_store().beat(user_id=user.pk, target=context.target, beat=beat, now=now)


def lecture_progress_flush(*, batch_size: int | None = None) -> int:
    return progress_store().flush(batch_size=batch_size)


def deadline_extension_check(
    *, deadline: datetime | None, reason: str, lecture: LecturePage | None = None, course: CoursePage | None = None
) -> tuple[datetime, list[int]]:
    """Validate an extension; return the policy deadline it extends and the lectures it covers.

    The new deadline must be later than the policy deadline (for a whole course: than the latest
    deadline among its lectures), so an extension never shortens anyone's access."""
    if (lecture is None) == (course is None):
        raise ValidationError({"lecture": [_("Choose either one lecture or a whole course.")]})
    errors: dict[str, list] = {}
    if not (reason or "").strip():
        errors["reason"] = [_("Say why the deadline is extended.")]
    if lecture is not None:
        policy = lecture.deadline
        lecture_ids = [lecture.id]
    else:
        lectures = list(LecturePage.objects.child_of(course))
        deadlines = [item.deadline for item in lectures if item.deadline]
        policy = max(deadlines) if deadlines else None
        lecture_ids = [item.id for item in lectures]
    if policy is None:
        errors.setdefault("deadline", []).append(_("There is no deadline to extend yet."))
    elif deadline is not None and deadline <= policy:
        errors.setdefault("deadline", []).append(
            _("An extension can only move the deadline later than %(policy)s.")
            % {"policy": timezone.localtime(policy).strftime("%d.%m.%Y %H:%M")}
        )
    if errors:
        raise ValidationError(errors)
    return policy, lecture_ids


def deadline_extension_grant(
    *,
    user: AbstractBaseUser,
    deadline: datetime,
    reason: str,
    granted_by: AbstractBaseUser | None,
    lecture: LecturePage | None = None,
    course: CoursePage | None = None,
    extension: DeadlineExtension | None = None,
) -> DeadlineExtension:
    """Give one participant a later deadline for a lecture or for every lecture of a course
    (or change an existing extension); who granted it and when are stored."""
    policy, lecture_ids = deadline_extension_check(deadline=deadline, reason=reason, lecture=lecture, course=course)
    extension = extension or DeadlineExtension()
    extension.user = user
    extension.lecture = lecture
    extension.course = course
    extension.deadline = deadline
    extension.policy_deadline = policy
    extension.reason = reason.strip()
    extension.granted_by = granted_by
    extension.full_clean()
    with transaction.atomic():
        extension.save()
    beat_context_forget(user_id=user.pk, lecture_ids=lecture_ids)
    return extension


def deadline_extension_delete(*, extension: DeadlineExtension) -> None:
    if extension.lecture_id:
        lecture_ids = [extension.lecture_id]
    else:
        lecture_ids = list(LecturePage.objects.child_of(extension.course).values_list("id", flat=True))
    extension.delete()
    beat_context_forget(user_id=extension.user_id, lecture_ids=lecture_ids)
