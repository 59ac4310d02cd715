"""The live app's part of a person's data (lms.privacy's registry): their attendance and manual
marks, for the export; for an erasure, the texts that may name them — staff's comments on their
marks and the raw payloads of their attendance signals (a BigBlueButton event carries the name
the person joined with). The derived figures stay under the person's id.

Registrations for season-wide sessions (the closing meeting and its panels) are exported; an
erasure gives back the person's seats at sessions not yet started (past ones stay under the id:
they are what the attendance was measured against). Invited guests (SessionGuest) are not users
and no person's erasure reaches them: staff erase a guest's name and e-mail on the console
(live.services.guests.guest_erase) once the guest is no longer needed."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from live.models import Attendance, AttendanceEvent, ManualMark, SessionRegistration
from lms.privacy.registry import DataSection, PersonalDataPart


def live_part_export(user_id: int) -> list[DataSection]:
    """Three queries: attendance, manual marks and registrations, each with its session."""
    attendance = Attendance.objects.filter(user_id=user_id).select_related("session").order_by("session__starts_at")
    marks = (
        ManualMark.objects.filter(user_id=user_id).select_related("session").order_by("session__starts_at", "marked_at")
    )
    registrations = (
        SessionRegistration.objects.filter(user_id=user_id).select_related("session").order_by("session__starts_at")
    )
    return [
        DataSection(
            "attendance",
            _("Attendance of live sessions"),
            [
                ("session", _("session")),
                ("starts_at", _("starts at")),
                ("status", _("status")),
                ("percent", _("present, %")),
                ("first_joined_at", _("first joined at")),
            ],
            [
                {
                    "session": row.session.title,
                    "starts_at": row.session.starts_at,
                    "status": row.get_status_display(),
                    "percent": row.percent,
                    "first_joined_at": row.first_joined_at,
                }
                for row in attendance
            ],
        ),
        DataSection(
            "manual_marks",
            _("Attendance marked by hand"),
            [
                ("session", _("session")),
                ("status", _("status")),
                ("comment", _("comment")),
                ("marked_at", _("marked at")),
            ],
            [
                {
                    "session": mark.session.title,
                    "status": mark.get_status_display(),
                    "comment": mark.comment,
                    "marked_at": mark.marked_at,
                }
                for mark in marks
            ],
        ),
        DataSection(
            "registrations",
            _("Registrations for season-wide sessions"),
            [("session", _("session")), ("starts_at", _("starts at")), ("registered_at", _("registered at"))],
            [
                {"session": row.session.title, "starts_at": row.session.starts_at, "registered_at": row.registered_at}
                for row in registrations
            ],
        ),
    ]


def live_part_erase(user_id: int) -> None:
    ManualMark.objects.filter(user_id=user_id).exclude(comment="").update(comment="")
    AttendanceEvent.objects.filter(user_id=user_id).exclude(payload={}).update(payload={})
    SessionRegistration.objects.filter(user_id=user_id, session__starts_at__gt=timezone.now()).delete()


LIVE_PART = PersonalDataPart("live", _("Live sessions"), live_part_export, live_part_erase, order=30)
