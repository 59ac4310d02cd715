"""The assessments pages (server-rendered), one module per subject: `quizzes` (a participant's
test and attempt), `admission` (staff's runs), `interviews` (booking, the experts' sheets, the
candidates), `availability` (the experts' own slots); `common` holds what they share.

A page whose forms post back to it keeps one URL: GET shows it, each POST form is one operation
(a function of its own), and a refused operation shows the page again with the message."""
