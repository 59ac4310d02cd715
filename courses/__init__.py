"""Courses and recorded lectures: course and lecture pages (Wagtail), who may watch a lecture when
(the access window and per-participant deadline extensions), and honest watch progress — the
player's beats credited by the server (the `courses.beats` package), completion per lecture, the
cabinet's lectures panel and the staff's lecture figures.

Other apps may call: `courses.selectors` (`course_list_for_track`, `lecture_list_for_track`,
`required_lectures_completion` — the completeness contract assessments reads — and the lecture
rows and access rules) and `courses.services` (`lecture_draft_create` for a live session's
recording, `deadline_extension_grant`). Never `courses.models` (an import contract forbids it),
nor `courses.beats`, which is courses' own machinery."""
