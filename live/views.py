import csv
import io
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from live import bbb, conf
from live.models import Delivery, LiveSession, MarkStatus
from live.reports import attendance_report_import
from live.selectors import (
    attendance_figure_for_user,
    attendance_table,
    manual_mark_history,
    recording_attachable_by,
    session_for_participant,
    session_list_for_console,
    session_manageable_by,
    session_minute_counts,
    session_roster_now,
)
from live.services import (
    attendance_mark_set,
    bbb_join_url,
    presence_beats_flush,
    presence_key_issue,
    recording_attach,
    session_attendance_derive,
    session_end,
    session_room_ready,
    session_start,
)
from lms.selectors import user_has_role

JOIN_SALT = "live.join"


def join_link(*, session: LiveSession, user_id: int) -> str:
    """Our signed join link for one participant. It works only for that participant, logged in
    (a forwarded link credits nobody else), and only for conf.join_link_seconds() after it was
    made: the session page and the cabinet make a fresh one every time they are shown."""
    token = signing.dumps({"s": session.pk, "u": user_id}, salt=JOIN_SALT, compress=True)
    return f"{reverse('live-session-join', args=[session.pk])}?t={token}"


def room_url_for(*, session: LiveSession, user_id: int) -> str:
    """The external room's address, carrying our participant id where the room can take one.

    - any other URL (`url`): our id as the `participant` query parameter (`prk-user-<id>`, the
      form BBB receives as userID), the room's own parameters and fragment kept, so whatever
      runs the room can log it and its report can be imported by that column;
    - Zoom: nothing of ours: a Zoom join link carries no participant id (its web client takes
      only a display name), so Zoom's participant report is matched by e-mail;
    - Jitsi: nothing of ours: Jitsi Meet's URL settings (`#userInfo.displayName`, `.email`) are
      names for the screen, not ids, and it keeps no attendance report. Presence there comes from
      our page's beats and the speaker's marks.
    BigBlueButton gets our id as `userID` in its checksummed join URL (services.bbb_join_url)."""
    if session.delivery != Delivery.URL:
        return session.room_url
    parts = urlsplit(session.room_url)
    query = [(name, value) for name, value in parse_qsl(parts.query, keep_blank_values=True) if name != "participant"]
    query.append(("participant", bbb.external_user_id(user_id)))
    return urlunsplit(parts._replace(query=urlencode(query)))


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


@login_required
def session_join(request, session_id: int):
    """Our own join link: it names the participant to the external room by our id.

    The link's token must name the logged-in user: a link forwarded to someone else (or opened
    after logging in as another person) is refused, never taken as its owner's presence."""
    session = get_object_or_404(LiveSession.objects.select_related("season"), pk=session_id)
    user = request.user
    token = request.GET.get("t")
    if token:
        try:
            claims = signing.loads(token, salt=JOIN_SALT, max_age=conf.join_link_seconds())
        except signing.SignatureExpired:
            return _join_refused(
                request, session, _("This join link has expired: open the session again from your cabinet.")
            )
        except signing.BadSignature:
            return _join_refused(request, session, _("This join link is not valid."))
        if not isinstance(claims, dict) or claims.get("s") != session.pk:
            return _join_refused(request, session, _("This join link is not valid."))
        if claims.get("u") != user.pk:
            return _join_refused(
                request,
                session,
                _(
                    "This join link was made for another participant. "
                    "Log in with your own account and join from your cabinet."
                ),
            )
    manager = session_manageable_by(session=session, user=user)
    if not manager and session_for_participant(user=user, session_id=session.pk) is None:
        raise PermissionDenied(_("You are not a participant of this session's track."))
    now = timezone.now()
    if not manager and not session.joinable_at(now):
        return render(
            request,
            "live/join_closed.html",
            {"session": session, "opens_at": session.join_opens_at, "ended": now > session.join_opens_at},
        )
    if session.delivery == Delivery.BBB:
        if manager and session.actual_started_at is None:
            messages.info(request, _("Start the session first: its BigBlueButton room is created then."))
            return redirect("live-console-detail", session_id=session.pk)
        # The speaker goes straight in (BBB reports the room running once they are in it).
        if not manager and not session_room_ready(session=session):
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
        return redirect(
            bbb_join_url(session=session, user=user, full_name=user.get_full_name() or user.username, moderator=manager)
        )
    if session.delivery == Delivery.OFFLINE:
        return render(request, "live/join_closed.html", {"session": session, "offline": True})
    if not session.room_url:
        return render(request, "live/join_closed.html", {"session": session, "no_room": True})
    return redirect(room_url_for(session=session, user_id=user.pk))


def _console_allowed(user) -> bool:
    return user_has_role(user=user, role="staff") or user_has_role(user=user, role="speaker")


@login_required
def console_list(request):
    if not _console_allowed(request.user):
        raise PermissionDenied
    now = timezone.now()
    sessions = list(session_list_for_console(user=request.user))
    return render(
        request, "live/console_list.html", {"sessions": [(s, LiveSession.State(s.state_at(now))) for s in sessions]}
    )


def _chart(counts: list[int]) -> dict:
    peak = max(counts, default=0) or 1
    width = max(len(counts), 1) * 8
    bars = [
        {
            "x": index * 8,
            "height": round(count * 100 / peak, 1),
            "y": round(100 - count * 100 / peak, 1),
            "count": count,
            "minute": index + 1,
        }
        for index, count in enumerate(counts)
    ]
    return {"bars": bars, "width": width, "peak": max(counts, default=0)}


def _console_session(request, session_id: int) -> LiveSession:
    session = get_object_or_404(LiveSession.objects.select_related("season", "course"), pk=session_id)
    if not session_manageable_by(session=session, user=request.user):
        raise PermissionDenied
    return session


def _posted_user_id(value: str | None) -> int:
    """The participant's id from a form: a whole number, or a ValidationError that says so."""
    try:
        user_id = int((value or "").strip())
    except ValueError:
        user_id = 0
    if not 0 < user_id <= 2**63 - 1:
        raise ValidationError({"user": [_("A participant's id (a whole number) is expected.")]})
    return user_id


@login_required
def console_detail(request, session_id: int):
    """The console; a POST runs one action. A success redirects back (so a reload repeats
    nothing); a refused action shows the page again, answering 400 with the reason."""
    session = _console_session(request, session_id)
    report = None
    failed = False
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "start":
                session_start(
                    session=session, by=request.user, callback_base=request.build_absolute_uri("/").rstrip("/")
                )
                messages.success(request, _("The session has started."))
            elif action == "end":
                session_end(session=session, by=request.user)
                messages.success(request, _("The session has ended."))
            elif action == "mark":
                attendance_mark_set(
                    session=session,
                    user_id=_posted_user_id(request.POST.get("user_id")),
                    status=request.POST.get("status", ""),
                    comment=request.POST.get("comment", ""),
                    by=request.user,
                )
                messages.success(request, _("The mark is saved."))
            elif action == "recording":
                _recording_attach_posted(request, session)
            elif action == "import":
                if not request.FILES.get("report"):
                    raise ValidationError({"report": [_("Choose the report's CSV file.")]})
                report = attendance_report_import(
                    session=session,
                    content=request.FILES["report"].read(),
                    timezone_name=request.POST.get("timezone") or conf.report_default_timezone(),
                )
            else:
                raise ValidationError({"action": [_("Unknown action.")]})
        except ValidationError as error:
            failed = True
            for message in error.messages:
                messages.error(request, message)
        if report is None and not failed:
            return redirect("live-console-detail", session_id=session.pk)
    presence_beats_flush()
    session_attendance_derive(session=session)
    now = timezone.now()
    return render(
        request,
        "live/console_detail.html",
        {
            "session": session,
            "state": session.state_at(now),
            "state_label": LiveSession.State(session.state_at(now)).label,
            "roster": session_roster_now(session=session, now=now),
            "chart": _chart(session_minute_counts(session=session, now=now)),
            "table": attendance_table(session=session),
            "history": manual_mark_history(session=session)[:50],
            "statuses": MarkStatus.choices,
            "report": report,
            "report_timezone": conf.report_default_timezone(),
            "roster_url": reverse("live-roster", args=[session.pk]),
            "recordings": session.recordings.select_related("video_asset"),
        },
        status=400 if failed else 200,
    )


def _recording_attach_posted(request, session: LiveSession) -> None:
    if not request.FILES.get("recording"):
        raise ValidationError({"recording": [_("Choose the recording's video file.")]})
    recording_attach(session=session, source=request.FILES["recording"], by=request.user)
    messages.success(request, _("The recording is being transcoded; a draft lecture was created."))


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
            _recording_attach_posted(request, session)
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


def _export_header() -> list[str]:
    return [str(label) for _key, label in EXPORT_COLUMNS]


def _export_cell(key: str, value):
    if key == "source_labels":
        return ", ".join(str(label) for label in value)
    if isinstance(value, Promise):  # a choice's label, translated now
        return str(value)
    return value


def _export_rows(table: list[dict]) -> list[list]:
    return [[_export_cell(key, row[key]) for key, _label in EXPORT_COLUMNS] for row in table]


@login_required
def console_export(request, session_id: int, fmt: str):
    session = _console_session(request, session_id)
    presence_beats_flush()
    session_attendance_derive(session=session)
    rows = _export_rows(attendance_table(session=session))
    filename = f"attendance-session-{session.pk}"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(_export_header())
        writer.writerows(rows)
        response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = str(_("Attendance"))
        sheet.append(_export_header())
        for row in rows:
            sheet.append(row)
        output = io.BytesIO()
        workbook.save(output)
        response = HttpResponse(
            output.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
