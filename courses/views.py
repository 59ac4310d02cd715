from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse

from courses.selectors import (
    LectureState,
    course_contents_for_user,
    lecture_beat_key,
    lecture_figures_for_staff,
    lecture_playback_url,
    lecture_row_for_user,
    playback_renew_seconds,
    progress_dead_letters,
    progress_flush_health,
    required_lectures_completion,
)
from courses.services import lecture_progress_seed
from lms import roles
from lms.choices import Track
from lms.selectors import participant_list, season_pick_for_staff, user_has_role


def _is_staff(user) -> bool:
    return user.is_staff or user_has_role(user=user, role=roles.STAFF) or user_has_role(user=user, role=roles.EDITOR)


def lecture_page_serve(request, lecture) -> TemplateResponse:
    """The lecture page: the player for a participant who may watch now, otherwise the lecture's
    state and the reason in plain words (403). Staff and editors see the page to check it."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    row = lecture_row_for_user(user=request.user, lecture=lecture)
    lecture_progress_seed(user_id=request.user.pk, rows=[row])
    staff_view = row.access.state == LectureState.NOT_ENROLLED and _is_staff(request.user)
    status = 200 if row.access.allowed or staff_view else 403
    context = {
        "page": lecture,
        "self": lecture,
        "row": row,
        "staff_view": staff_view,
        "playback_url": lecture_playback_url(row=row, user_id=request.user.pk),
        "beat_key": lecture_beat_key(row=row, user_id=request.user.pk),
        "renew_seconds": playback_renew_seconds(),
    }
    return TemplateResponse(request, "courses/lecture_page.html", context, status=status)


def course_page_serve(request, course) -> TemplateResponse:
    """The course page: its description, and for a participant of the course its lectures with
    their state, deadline (in the viewer's zone, extension applied) and progress; staff and editors
    see the lectures without progress; anyone else the description only."""
    contents = None
    if request.user.is_authenticated:
        contents = course_contents_for_user(user=request.user, course=course)
        if not contents.enrolled and not _is_staff(request.user):
            contents = None
    context = {"page": course, "self": course, "contents": contents}
    return TemplateResponse(request, "courses/course_page.html", context)


@login_required
def lecture_figures(request):
    if not _is_staff(request.user):
        raise PermissionDenied
    pick = season_pick_for_staff(chosen=request.GET.get("season"))
    season = pick.season
    tracks = []
    if season is not None:
        for track, label in Track.choices:
            completion = required_lectures_completion(season_id=season.pk, track=track)
            participants = list(participant_list(season=season, track=track))
            lectures = completion["lectures"]
            missing = [
                {
                    "participant": participant,
                    "lectures": [
                        lecture
                        for lecture in lectures
                        if lecture["id"] not in completion["completed"].get(participant.user_id, {})
                    ],
                }
                for participant in participants
            ]
            tracks.append(
                {
                    "label": label,
                    "figures": lecture_figures_for_staff(
                        season_id=season.pk, track=track, participant_count=len(participants)
                    ),
                    "missing": [item for item in missing if item["lectures"]],
                    "participant_count": len(participants),
                }
            )
    context = {
        "seasons": pick.seasons,
        "season": season,
        "tracks": tracks,
        "flush": progress_flush_health(),
        "dead_letters": progress_dead_letters(),
    }
    return TemplateResponse(request, "courses/lecture_figures.html", context)
