"""Host bodies and their internship offers (issue 15 §1): the core's data, read by other apps
through `lms.hosts.selectors` and changed through `lms.hosts.services`."""
