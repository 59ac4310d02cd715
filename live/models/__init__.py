"""live's tables, by subject; the app's own modules import them from here (`live.models`). The
choices are re-exported beside them, as the models' own vocabulary."""

from live.choices import EventKind, MarkStatus, Source
from live.models.attendance import Attendance, ManualMark, percent_of
from live.models.events import AttendanceEvent
from live.models.guests import SessionGuest
from live.models.recordings import Recording
from live.models.registrations import SessionRegistration
from live.models.sessions import Delivery, LiveSession, SessionTimesCorrection, Speaker

__all__ = [
    "Attendance",
    "AttendanceEvent",
    "Delivery",
    "EventKind",
    "LiveSession",
    "ManualMark",
    "MarkStatus",
    "Recording",
    "SessionGuest",
    "SessionRegistration",
    "SessionTimesCorrection",
    "Source",
    "Speaker",
    "percent_of",
]
