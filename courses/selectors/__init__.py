"""courses' reads, by subject: the lectures of a track (`lectures`), the one access rule with the
deadline extensions (`access`), a participant's lecture rows and progress (`progress`), the
completeness contract (`completion`), the flush's reads and backlog (`flush`) and the player's
signed URL and beat key (`playback`). Other apps and courses' own modules import them from here
(`courses.selectors`), the contract the import-linter holds them to; what only the modules share
(`lecture_list_for_courses`, `course_list_for_track_memoized`) stays in `lectures`."""

from courses.selectors.access import (
    LectureAccess,
    LectureState,
    deadline_extensions_for,
    lecture_access,
    lecture_access_for_user,
    lecture_deadline_for,
    lecture_enrolled,
)
from courses.selectors.completion import required_lectures_completion
from courses.selectors.flush import DeadLetters, progress_dead_letters, progress_flush_health, users_existing
from courses.selectors.lectures import (
    course_list_for_track,
    lecture_completion_rules,
    lecture_course,
    lecture_duration,
    lecture_get_live,
    lecture_list_for_track,
    lecture_threshold,
)
from courses.selectors.playback import lecture_beat_key, lecture_playback_url, playback_renew_seconds
from courses.selectors.progress import (
    CourseContents,
    LectureRow,
    course_contents_for_user,
    course_rows_for_participant,
    lecture_figures_for_staff,
    lecture_row_for_user,
    lecture_rows_for_participant,
)

__all__ = [
    "CourseContents",
    "DeadLetters",
    "LectureAccess",
    "LectureRow",
    "LectureState",
    "course_contents_for_user",
    "course_list_for_track",
    "course_rows_for_participant",
    "deadline_extensions_for",
    "lecture_access",
    "lecture_access_for_user",
    "lecture_beat_key",
    "lecture_completion_rules",
    "lecture_course",
    "lecture_deadline_for",
    "lecture_duration",
    "lecture_enrolled",
    "lecture_figures_for_staff",
    "lecture_get_live",
    "lecture_list_for_track",
    "lecture_playback_url",
    "lecture_row_for_user",
    "lecture_rows_for_participant",
    "lecture_threshold",
    "playback_renew_seconds",
    "progress_dead_letters",
    "progress_flush_health",
    "required_lectures_completion",
    "users_existing",
]
