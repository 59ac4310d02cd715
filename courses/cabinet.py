from django.utils.translation import gettext_lazy as _

from courses.selectors import course_rows_for_participant
from lms.cabinet import CabinetPanel


def _courses_context(request, participant) -> dict:
    return {
        "courses": [
            {"course": course, "rows": rows} for course, rows in course_rows_for_participant(participant=participant)
        ]
    }


COURSES_PANEL = CabinetPanel(
    key="courses",
    title=_("Your courses and lectures"),
    template="courses/cabinet_panel.html",
    context=_courses_context,
    order=10,
)
