from django.db.models import QuerySet

from courses.models import CoursePage


def course_list_for_track(*, season_id: int, track: str) -> QuerySet[CoursePage]:
    return CoursePage.objects.live().filter(season_id=season_id, track=track).order_by("path")
