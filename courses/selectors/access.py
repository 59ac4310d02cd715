"""The one access rule (who may watch a lecture when, and why not) and the deadline extensions it
applies."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from courses.models import CoursePage, DeadlineExtension, LecturePage
from courses.selectors.lectures import lecture_as_listed, lecture_course
from lms.memo import memoized
from lms.selectors import participant_current


class LectureState:
    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"
    NOT_ENROLLED = "not_enrolled"


@dataclass(frozen=True)
class LectureAccess:
    state: str
    reason: str
    available_from: datetime | None
    deadline: datetime | None

    @property
    def allowed(self) -> bool:
        return self.state == LectureState.OPEN


def deadline_extensions_for(*, user_ids: Iterable[int] | None, lectures: list[tuple[LecturePage, CoursePage]]) -> dict:
    """{user_id: {lecture_id: extended deadline}} for the lectures given, only where an extension
    moves the lecture's deadline later (one query; once per page for the same question, lms.memo;
    none when the lectures say, as the track's do (lecture_list_for_track), that nobody has an
    extension for them or their course)."""
    if not any(getattr(lecture, "has_extensions", True) for lecture, _course in lectures):
        return {}
    user_ids = None if user_ids is None else sorted(set(user_ids))
    key = (
        "courses.deadline_extensions_for",
        None if user_ids is None else tuple(user_ids),
        tuple((lecture.id, course.id) for lecture, course in lectures),
    )
    return memoized(key, lambda: _deadline_extensions_read(user_ids=user_ids, lectures=lectures))


def _deadline_extensions_read(*, user_ids: list[int] | None, lectures: list[tuple[LecturePage, CoursePage]]) -> dict:
    lecture_ids = [lecture.id for lecture, _course in lectures]
    course_ids = {course.id for _lecture, course in lectures}
    extensions = DeadlineExtension.objects.filter(Q(lecture_id__in=lecture_ids) | Q(course_id__in=course_ids))
    if user_ids is not None:
        extensions = extensions.filter(user_id__in=list(user_ids))
    by_target: dict[tuple[str, int], list] = {}
    for extension in extensions.only("user_id", "lecture_id", "course_id", "deadline"):
        key = ("lecture", extension.lecture_id) if extension.lecture_id else ("course", extension.course_id)
        by_target.setdefault(key, []).append(extension)
    result: dict[int, dict[int, datetime]] = {}
    for lecture, course in lectures:
        for extension in by_target.get(("lecture", lecture.id), []) + by_target.get(("course", course.id), []):
            if lecture.deadline is not None and extension.deadline <= lecture.deadline:
                continue
            current = result.setdefault(extension.user_id, {}).get(lecture.id)
            if current is None or extension.deadline > current:
                result[extension.user_id][lecture.id] = extension.deadline
    return result


def _when(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "j E Y, H:i")


def lecture_access(
    *, available_from: datetime | None, enrolled: bool, deadline: datetime | None, now: datetime | None = None
) -> LectureAccess:
    """The one place that decides whether a participant may watch a lecture now, and says why not.

    `deadline` is the participant's deadline (an extension applied, see `lecture_deadline_for`)."""
    now = now or timezone.now()
    opens = available_from
    if not enrolled:
        return LectureAccess(
            LectureState.NOT_ENROLLED,
            _("This lecture belongs to a course of another track or season: you are not enrolled in it."),
            opens,
            deadline,
        )
    if opens is not None and now < opens:
        return LectureAccess(
            LectureState.UPCOMING, _("The lecture opens on %(when)s.") % {"when": _when(opens)}, opens, deadline
        )
    if deadline is None:
        return LectureAccess(LectureState.UPCOMING, _("The lecture has no access dates yet."), opens, deadline)
    if now >= deadline:
        return LectureAccess(
            LectureState.CLOSED,
            _("Access to the lecture closed on %(when)s.") % {"when": _when(deadline)},
            opens,
            deadline,
        )
    return LectureAccess(LectureState.OPEN, "", opens, deadline)


def lecture_deadline_for(*, user_id: int, lecture: LecturePage, course: CoursePage) -> datetime | None:
    extended = deadline_extensions_for(user_ids=[user_id], lectures=[(lecture, course)])
    return extended.get(user_id, {}).get(lecture.id, lecture.deadline)


def lecture_enrolled(*, user: AbstractBaseUser, course: CoursePage) -> bool:
    participant = participant_current(user=user)
    return participant is not None and (participant.season_id, participant.track) == (course.season_id, course.track)


def lecture_access_for_user(
    *, user: AbstractBaseUser, lecture: LecturePage, now: datetime | None = None
) -> tuple[LectureAccess, CoursePage | None]:
    course = lecture_course(lecture=lecture)
    if course is None:
        return LectureAccess(LectureState.NOT_ENROLLED, _("The course is not published."), None, None), None
    deadline = lecture_deadline_for(
        user_id=user.pk, lecture=lecture_as_listed(lecture=lecture, course=course), course=course
    )
    return lecture_access(
        available_from=lecture.available_from,
        enrolled=lecture_enrolled(user=user, course=course),
        deadline=deadline,
        now=now,
    ), course
