"""The participant's session page and join link, and the speakers' console: pages that read
(selectors) and actions that call one service each. No page computes figures: they are derived
when events arrive (live.services.attendance) and shown as of `figures_derived_at`."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
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
from live.rooms.base import RoomClosed, RoomNotStarted
from live.selectors import (
    attendance_figure_for_user,
    attendance_table,
    manual_mark_history,
    recording_attachable_by,
    session_for_participant,
    session_for_registration,
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
from live.services.guests import guest_add, guest_by_token, guest_erase, guest_join_url
from live.services.presence import presence_key_issue
from live.services.recordings import recording_attach
from live.services.registrations import session_register, session_unregister
from live.services.reports import attendance_report_import
from live.services.sessions import (
    JoinNotOpen,
    RoomNotReady,
    session_end,
    session_join_url,
    session_start,
    session_times_correct,
)
from lms.choices import Track
from lms.errors import ConflictError
from lms.exports import export_response
from lms.numbers import whole_number
from lms.replica import replica_holds, replica_reads
from lms.selectors import season_pick_for_staff, user_has_role

JOIN_SALT = "live.join"


def join_link(*, session: LiveSession, user_id: int) -> str:
    """Our signed join link for one participant. It works only for that participant, logged in
    (a forwarded link credits nobody else), and only for conf.join_link_seconds() after it was
    made: the session page and the cabinet make a fresh one every time they are shown."""
    token = signing.dumps({"s": session.pk, "u": user_id}, salt=JOIN_SALT, compress=True)
    return f"{reverse('live-session-join', args=[session.pk])}?t={token}"


@login_required
def session_detail(request, session_id: int):
    session = session_for_participant(user=request.user, session_id=session_id)
    if session is None:
        raise Http404
    now = timezone.now()
    join_open = session.joinable_at(now)
    return render(
        request,
        "live/session_detail.html",
        {
            "session": session,
            "state": session.state_at(now),
            "state_label": LiveSession.State(session.state_at(now)).label,
            "join_open": join_open,
            "join_opens_at": session.join_opens_at,
            "join_url": join_link(session=session, user_id=request.user.pk),
            "beat_interval": conf.beat_interval_seconds(),
            "beat_url": reverse("live-presence-beat", args=[session.pk]),
            "presence_key": presence_key_issue(session=session, user=request.user, now=now) if join_open else "",
            "presence_key_url": reverse("live-presence-key", args=[session.pk]),
            "presence_key_renew_ms": conf.presence_key_seconds() // 3 * 1000,
            "figure": attendance_figure_for_user(session=session, user_id=request.user.pk, now=now),
        },
    )


def _join_refused(request, session: LiveSession, message: str) -> HttpResponse:
    return render(request, "live/join_refused.html", {"session": session, "message": message}, status=403)


def _join_token_refusal(request, session: LiveSession) -> str | None:
    """Why the link's token does not let the logged-in user in, or None. A link without a token
    (the session page's own button) is the logged-in user's."""
    token = request.GET.get("t")
    if not token:
        return None
    try:
        claims = signing.loads(token, salt=JOIN_SALT, max_age=conf.join_link_seconds())
    except signing.SignatureExpired:
        return _("This join link has expired: open the session again from your cabinet.")
    except signing.BadSignature:
        return _("This join link is not valid.")
    if not isinstance(claims, dict) or claims.get("s") != session.pk:
        return _("This join link is not valid.")
    if claims.get("u") != request.user.pk:
        return _(
            "This join link was made for another participant. Log in with your own account and join from your cabinet."
        )
    return None


@login_required
def session_join(request, session_id: int):
    """Our own join link: it names the participant to the external room by our id.

    The link's token must name the logged-in user: a link forwarded to someone else (or opened
    after logging in as another person) is refused, never taken as its owner's presence. Where
    the link leads is the session's room backend's answer (services.sessions.session_join_url)."""
    session = get_object_or_404(LiveSession.objects.select_related("season"), pk=session_id)
    refusal = _join_token_refusal(request, session)
    if refusal:
        return _join_refused(request, session, refusal)
    try:
        url = session_join_url(session=session, user=request.user)
    except JoinNotOpen:
        now = timezone.now()
        return render(
            request,
            "live/join_closed.html",
            {"session": session, "opens_at": session.join_opens_at, "ended": now > session.join_opens_at},
        )
    except RoomNotReady:
        return render(
            request,
            "live/join_waiting.html",
            {
                "session": session,
                "retry_url": request.get_full_path(),
                "status_url": reverse("live-room-status", args=[session.pk]),
                "check_every_ms": conf.room_check_seconds() * 1000,
            },
        )
    except RoomNotStarted as closed:
        messages.info(request, closed.message)
        return redirect("live-console-detail", session_id=session.pk)
    except RoomClosed as closed:
        return render(request, "live/join_closed.html", {"session": session, "message": closed.message})
    return redirect(url)


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


def _recording_attach_posted(request, session: LiveSession) -> str:
    if not request.FILES.get("recording"):
        raise ValidationError({"recording": [_("Choose the recording's video file.")]})
    recording_attach(session=session, source=request.FILES["recording"], by=request.user)
    return _("The recording is being transcoded; a draft lecture was created.")


@login_required
@require_POST
def console_recording_attach(request, session_id: int):
    return _console_action(request, session_id, lambda session: _recording_attach_posted(request, session))


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


@login_required
def session_recording(request, session_id: int):
    """Attach a session's recording: its speakers and staff (as in the console) and editors, for
    any session (Wagtail's session listing links here). The service decides who may."""
    session = get_object_or_404(LiveSession.objects.select_related("course"), pk=session_id)
    if not recording_attachable_by(session=session, user=request.user):
        raise PermissionDenied(_("Only the session's speakers, editors and staff may attach its recording."))
    failed = False
    if request.method == "POST":
        try:
            messages.success(request, _recording_attach_posted(request, session))
        except ValidationError as error:
            failed = True
            for message in error.messages:
                messages.error(request, message)
        if not failed:
            return redirect("live-session-recording", session_id=session.pk)
    return render(
        request,
        "live/session_recording.html",
        {
            "session": session,
            "recordings": session.recordings.select_related("video_asset", "lecture"),
            "console": session_manageable_by(session=session, user=request.user),
        },
        status=400 if failed else 200,
    )


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


def _registration_answer(request, action: Callable[..., object], session_id: int, done: str):
    """The cabinet's register/unregister buttons: one service call, the outcome as a message."""
    session = session_for_registration(user=request.user, session_id=session_id)
    if session is None:
        raise Http404
    try:
        action(session=session, user=request.user)
    except (ValidationError, ConflictError, PermissionDenied) as error:
        messages.error(request, " ".join(error.messages) if isinstance(error, ValidationError) else str(error))
    else:
        messages.success(request, done % {"title": session.title})
    return redirect(reverse("cabinet") + "#live")


@login_required
@require_POST
def session_register_view(request, session_id: int):
    return _registration_answer(request, session_register, session_id, _("You are registered for “%(title)s”."))


@login_required
@require_POST
def session_unregister_view(request, session_id: int):
    return _registration_answer(
        request, session_unregister, session_id, _("Your registration for “%(title)s” is cancelled.")
    )


@require_GET
def guest_join(request, token: str):
    """An invited guest's personal link (no account): into the room while joining is open."""
    guest = guest_by_token(token=token)
    if guest is None:
        raise Http404
    session = guest.session
    try:
        url = guest_join_url(guest=guest)
    except JoinNotOpen:
        ended = timezone.now() > session.join_opens_at
        return render(
            request, "live/join_closed.html", {"session": session, "opens_at": session.join_opens_at, "ended": ended}
        )
    except RoomNotReady:
        message = _("The room is not open yet: open this link again in a few minutes.")
        return render(request, "live/join_closed.html", {"session": session, "message": message})
    except RoomClosed as closed:
        return render(request, "live/join_closed.html", {"session": session, "message": closed.message})
    return redirect(url)


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
