from django.utils.translation import gettext_lazy as _

from courses.selectors import course_list_for_track, lecture_rows_for_participant
from lms.cabinet import CabinetPanel


def _courses_context(request, participant) -> dict:
    rows = lecture_rows_for_participant(participant=participant)
    courses = list(course_list_for_track(season_id=participant.season_id, track=participant.track))
    return {
        "courses": [
            {"course": course, "rows": [row for row in rows if row.course.id == course.id]} for course in courses
        ]
    }


COURSES_PANEL = CabinetPanel(
    key="courses",
    title=_("Your courses and lectures"),
    template="courses/cabinet_panel.html",
    context=_courses_context,
    order=10,
)
