"""A participant's candidacy to the host bodies (issue 15 §2): the internship offers they rank, each
with a short motivation, and their CV ("справка-объективка"), kept in immutable versions and shown
to the ministries they rank. The core's data: other apps read it through `lms.candidacy.selectors`
and the FOIV recommendation is handed in through `lms.candidacy.sources` (assessments owns it)."""
