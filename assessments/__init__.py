"""Assessments: what decides who goes on. The app owns the tests (question banks, quizzes,
attempts, per-participant deadline extensions), the score modules and the admission policy, the
admission runs (immutable snapshots of every decision with its reasons and a content hash, staff
overrides, publication and the e-mails), and the interviews (experts' slots, offline meetings,
bookings, scoring sheets, the candidates per direction).

Inside: `models`, `selectors` and `services` by subject (quizzes, admission, interviews, slots);
`apis` and `views` the same way (one view per operation); `scores` (the score-module registry and
the built-in modules), `policy` (the rules as a pure function), `snapshot` (the run's JSON and
hash), `tasks` (the run, the e-mails, the sweep), `placement` (the placement engine: pure Python,
no Django, see docs/placement.md).

Other apps may call: `assessments.selectors` and `assessments.services` (nothing outside this app
does today), and extend it through `assessments.scores` (subclass `ScoreModule`, return
`ModuleFigure`s; register the class in an AppConfig's `score_modules` or the setting
`ASSESSMENTS_SCORE_MODULES`, see docs/score-modules.md). Never `assessments.models` (an import
contract forbids it). This app reads courses and live only through their score contracts
(`courses.selectors.required_lectures_completion`, `live.selectors.required_sessions_attendance_grouped`)
and the core through `lms.selectors`/`lms.services`."""
