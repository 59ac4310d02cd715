"""The speakers' console: the session list, a session's page (roster, chart, the attendance table
as last derived; no page computes figures) and its actions, one view each, each calling one service."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from live import conf
from live.chart import minute_chart
from live.forms import SessionTimesCorrectionForm
from live.models import LiveSession, MarkStatus, SessionGuest
from live.selectors import (
    attendance_table,
    manual_mark_history,
    session_list_for_console,
    session_manageable_by,
    session_minute_counts,
    session_registration_counts,
    session_roster_now,
    session_times_correction_refusal,
    session_times_corrections,
    sessions_without_evidence,
)
from live.services.attendance import attendance_mark_set
from live.services.guests import guest_add, guest_erase
from live.services.reports import attendance_report_import
from live.services.sessions import session_end, session_start, session_times_correct
from live.views.recordings import recording_attach_posted
from lms.choices import Track
from lms.exports import export_response
from lms.numbers import whole_number
from lms.replica import replica_holds, replica_reads
from lms.selectors import season_pick_for_staff, user_has_role


@login_required
def console_list(request):
    """The sessions a speaker speaks at (all of them, for staff). Staff also see, for a season,
    the required sessions that ended with no attendance recorded at all."""
    staff = user_has_role(user=request.user, role="staff")
    if not staff and not user_has_role(user=request.user, role="speaker"):
        raise PermissionDenied
    now = timezone.now()
    sessions = list(session_list_for_console(user=request.user))
    context = {"sessions": [(s, LiveSession.State(s.state_at(now))) for s in sessions], "staff": staff}
    if staff:
        pick = season_pick_for_staff(chosen=request.GET.get("season"))
        context |= {
            "seasons": pick.seasons,
            "season": pick.season,
            "without_evidence": [
                (item, Track(item.track).label)
                for item in (sessions_without_evidence(season_id=pick.season.pk, now=now) if pick.season else [])
            ],
        }
    return render(request, "live/console_list.html", context)


def _console_session(request, session_id: int) -> LiveSession:
    session = get_object_or_404(LiveSession.objects.select_related("season", "course"), pk=session_id)
    if not session_manageable_by(session=session, user=request.user):
        raise PermissionDenied
    return session


def _correction_form(session: LiveSession) -> SessionTimesCorrectionForm:
    """The form filled with the times in force (or the scheduled ones, for a session never started)."""
    return SessionTimesCorrectionForm(
        initial={
            "started_at": timezone.localtime(session.actual_started_at or session.starts_at),
            "ended_at": timezone.localtime(session.actual_ended_at or session.window_end),
        }
    )


def _console_page(
    request, session: LiveSession, *, report=None, correction_form=None, status: int = 200
) -> HttpResponse:
    now = timezone.now()
    state = session.state_at(now)
    may_correct = session_times_correction_refusal(session=session, user=request.user, now=now) is None
    return render(
        request,
        "live/console_detail.html",
        {
            "session": session,
            "state": state,
            "state_label": LiveSession.State(state).label,
            "running": session.running_at(now),
            "ended_itself": state == LiveSession.State.ENDED and session.ends_by_evidence,
            "roster": session_roster_now(session=session, now=now),
            "chart": minute_chart(counts=session_minute_counts(session=session, now=now), start=session.window_start),
            "table": attendance_table(session=session),
            "history": manual_mark_history(session=session)[:50],
            "statuses": MarkStatus.choices,
            "report": report,
            "report_timezone": conf.report_default_timezone(),
            "roster_url": reverse("live-roster", args=[session.pk]),
            "recordings": session.recordings.select_related("video_asset"),
            "correction_form": (correction_form or _correction_form(session)) if may_correct else None,
            "corrections": session_times_corrections(session=session),
            "season_wide": _season_wide_figures(request, session) if session.kind == LiveSession.Kind.SEASON else None,
        },
        status=status,
    )


def _season_wide_figures(request, session: LiveSession) -> dict:
    """A season-wide session's registered vs attended participants, and (staff only) its guests and
    how many joined: guests are counted here, never in the attendance table."""
    attended = [MarkStatus.PRESENT, MarkStatus.LATE]
    figures = {
        "registered": session_registration_counts(session_ids=[session.pk]).get(session.pk, 0),
        "attended": sum(1 for row in attendance_table(session=session) if row["status"] in attended),
    }
    if user_has_role(user=request.user, role="staff"):
        guests = list(session.guests.order_by("invited_at", "id"))
        figures |= {"guests": guests, "guests_joined": sum(1 for guest in guests if guest.joined_at)}
    return figures


def _console_refused(request, session: LiveSession, error: ValidationError, **page) -> HttpResponse:
    """A refused action shows the console again, answering 400 with the reason."""
    for message in error.messages:
        messages.error(request, message)
    return _console_page(request, session, status=400, **page)


def _console_action(request, session_id: int, action: Callable[[LiveSession], str]) -> HttpResponse:
    """Run one console action; a success redirects back to the console with its message (so a
    reload repeats nothing)."""
    session = _console_session(request, session_id)
    try:
        done = action(session)
    except ValidationError as error:
        return _console_refused(request, session, error)
    messages.success(request, done)
    return redirect("live-console-detail", session_id=session.pk)


@login_required
@require_GET
def console_detail(request, session_id: int):
    """The console: the roster, the chart, the attendance table as last derived (the page says
    when: events queue the derivation, the page computes nothing) and a form per action, each
    posting to its own view below."""
    return _console_page(request, _console_session(request, session_id))


@login_required
@require_POST
def console_session_start(request, session_id: int):
    def start(session: LiveSession) -> str:
        session_start(session=session, by=request.user, callback_base=request.build_absolute_uri("/").rstrip("/"))
        return _("The session has started.")

    return _console_action(request, session_id, start)


@login_required
@require_POST
def console_times_correct(request, session_id: int):
    """Correct the session's actual start and end. Who may not (another speaker, a participant, a
    speaker a week after the session) gets a 403 saying why; a refused correction shows the
    console again with the reasons (400)."""
    session = get_object_or_404(LiveSession.objects.select_related("season", "course"), pk=session_id)
    refusal = session_times_correction_refusal(session=session, user=request.user, now=timezone.now())
    if refusal:
        raise PermissionDenied(refusal)
    form = SessionTimesCorrectionForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors)
        session_times_correct(session=session, by=request.user, **form.cleaned_data)
    except ValidationError as error:
        return _console_refused(request, session, error, correction_form=form)
    messages.success(request, _("The session's times are corrected; its figures are being derived again."))
    return redirect("live-console-detail", session_id=session.pk)


@login_required
@require_POST
def console_session_end(request, session_id: int):
    def end(session: LiveSession) -> str:
        session_end(session=session, by=request.user)
        return _("The session has ended.")

    return _console_action(request, session_id, end)


def _posted_user_id(value: str | None) -> int:
    """The participant's id from a form: a whole number, or a ValidationError that says so."""
    user_id = whole_number((value or "").strip())
    if not user_id:
        raise ValidationError({"user": [_("A participant's id (a whole number) is expected.")]})
    return user_id


@login_required
@require_POST
def console_mark_set(request, session_id: int):
    def mark(session: LiveSession) -> str:
        attendance_mark_set(
            session=session,
            user_id=_posted_user_id(request.POST.get("user_id")),
            status=request.POST.get("status", ""),
            comment=request.POST.get("comment", ""),
            by=request.user,
        )
        return _("The mark is saved.")

    return _console_action(request, session_id, mark)


@login_required
@require_POST
def console_recording_attach(request, session_id: int):
    return _console_action(request, session_id, lambda session: recording_attach_posted(request, session))


@login_required
@require_POST
def console_report_import(request, session_id: int):
    """Import a participant report: the page shows what was stored and, row by row, what was not."""
    session = _console_session(request, session_id)
    try:
        if not request.FILES.get("report"):
            raise ValidationError({"report": [_("Choose the report's CSV file.")]})
        report = attendance_report_import(
            session=session,
            content=request.FILES["report"].read(),
            timezone_name=request.POST.get("timezone") or conf.report_default_timezone(),
        )
    except ValidationError as error:
        return _console_refused(request, session, error)
    return _console_page(request, session, report=report)


# The export's columns, in a fixed order whatever the language: (the table row's key, header).
# Headers and the status and source labels are in the request's language (Russian by default).
EXPORT_COLUMNS = [
    ("user_id", gettext_lazy("Participant ID")),
    ("name", gettext_lazy("Participant")),
    ("email", gettext_lazy("E-mail")),
    ("minutes", gettext_lazy("Minutes present")),
    ("covered_seconds", gettext_lazy("Seconds present")),
    ("percent", gettext_lazy("Presence, %")),
    ("status_label", gettext_lazy("Status")),
    ("source_labels", gettext_lazy("Sources")),
    ("manual_comment", gettext_lazy("Comment of the manual mark")),
]


@login_required
@require_GET
def console_export(request, session_id: int, fmt: str):
    """The attendance table as CSV or XLSX: the stored figures, as of the session's
    `figures_derived_at` (the same the console shows; no derivation here)."""
    session = _console_session(request, session_id)
    with replica_reads(fresh=replica_holds(session, "figures_derived_at")):
        return export_response(
            fmt=fmt,
            header=[label for _key, label in EXPORT_COLUMNS],
            rows=([row[key] for key, _label in EXPORT_COLUMNS] for row in attendance_table(session=session)),
            title=_("Attendance"),
            filename=f"attendance-session-{session.pk}",
        )


@login_required
@require_POST
def console_guest_add(request, session_id: int):
    """Staff invite a guest (name and e-mail) to a season-wide session; the link is e-mailed."""

    def add(session: LiveSession) -> str:
        name, email = request.POST.get("name", ""), request.POST.get("email", "")
        guest_add(session=session, name=name, email=email, by=request.user, base=request.build_absolute_uri("/"))
        return _("The guest is invited: the personal link is being e-mailed.")

    return _console_action(request, session_id, add)


@login_required
@require_POST
def console_guest_erase(request, session_id: int, guest_id: int):
    def erase(session: LiveSession) -> str:
        guest_erase(guest=get_object_or_404(SessionGuest, pk=guest_id, session=session), by=request.user)
        return _("The guest's name and e-mail are erased.")

    return _console_action(request, session_id, erase)
