"""Domain errors every app's services may raise; the API's exception handler (lms.api) answers
each with its HTTP status once, so no view translates them by hand."""


class ConflictError(Exception):
    """The request was valid but lost a race or contradicts the current state (a slot just
    booked by someone else, an attempt already running): HTTP 409 with the message."""
