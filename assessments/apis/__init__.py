"""The assessments API (/api/v1/), one module per subject: `completeness`, `admission`, `quizzes`,
`interviews`, `slots` (the experts' own availability); `common` holds what they share."""
