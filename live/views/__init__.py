"""live's pages, by subject: the participant's session page and join links (`join`), the speakers'
console (`console`), a session's recording page (`recordings`) and the cabinet's registration
buttons (`registrations`). Pages read selectors and actions call one service each. No page
computes figures: they are derived when events arrive (live.services.attendance) and shown as of
`figures_derived_at`. `live/urls.py` and other modules import the views from here."""

from live.views.console import (
    EXPORT_COLUMNS,
    console_detail,
    console_export,
    console_guest_add,
    console_guest_erase,
    console_list,
    console_mark_set,
    console_recording_attach,
    console_report_import,
    console_session_end,
    console_session_start,
    console_times_correct,
)
from live.views.join import JOIN_SALT, guest_join, join_link, session_detail, session_join
from live.views.recordings import session_recording
from live.views.registrations import session_register_view, session_unregister_view

__all__ = [
    "EXPORT_COLUMNS",
    "JOIN_SALT",
    "console_detail",
    "console_export",
    "console_guest_add",
    "console_guest_erase",
    "console_list",
    "console_mark_set",
    "console_recording_attach",
    "console_report_import",
    "console_session_end",
    "console_session_start",
    "console_times_correct",
    "guest_join",
    "join_link",
    "session_detail",
    "session_join",
    "session_recording",
    "session_register_view",
    "session_unregister_view",
]
