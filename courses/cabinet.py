from django.utils.translation import gettext_lazy as _

from courses.selectors import course_list_for_track
from lms.cabinet import CabinetPanel


def _courses_context(request, participant) -> dict:
    return {"courses": list(course_list_for_track(season_id=participant.season_id, track=participant.track))}


COURSES_PANEL = CabinetPanel(
    key="courses", title=_("Your courses"), template="courses/cabinet_panel.html", context=_courses_context, order=10
)
