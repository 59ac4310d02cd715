import csv
import io
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from live import conf
from live.models import Delivery, LiveSession, MarkStatus
from live.reports import attendance_report_import
from live.selectors import (
    attendance_figure_for_user,
    attendance_table,
    manual_mark_history,
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
    session_start,
)
from lms.selectors import user_has_role

JOIN_SALT = "live.join"


def join_link(*, session: LiveSession, user_id: int) -> str:
    token = signing.dumps({"s": session.pk, "u": user_id}, salt=JOIN_SALT, compress=True)
    return f"{reverse('live-session-join', args=[session.pk])}?t={token}"


def join_opens_at(session: LiveSession):
    return session.starts_at - timedelta(minutes=session.join_opens_minutes)


@login_required
def session_detail(request, session_id: int):
    session = session_for_participant(user=request.user, session_id=session_id)
    if session is None:
        raise Http404
    now = timezone.now()
    join_open = join_opens_at(session) <= now <= session.window_end
    return render(
        request,
        "live/session_detail.html",
        {
            "session": session,
            "state": session.state_at(now),
            "state_label": LiveSession.State(session.state_at(now)).label,
            "join_open": join_open,
            "join_opens_at": join_opens_at(session),
            "join_url": join_link(session=session, user_id=request.user.pk),
            "beat_interval": conf.beat_interval_seconds(),
            "beat_url": reverse("live-presence-beat", args=[session.pk]),
            "presence_key": presence_key_issue(session=session, user=request.user, now=now) if join_open else "",
            "presence_key_url": reverse("live-presence-key", args=[session.pk]),
            "presence_key_renew_ms": conf.presence_key_seconds() // 3 * 1000,
            "figure": attendance_figure_for_user(session=session, user_id=request.user.pk, now=now),
        },
    )


def session_join(request, session_id: int):
    """Our own join link: it names the participant to the external room by our id."""
    session = get_object_or_404(LiveSession.objects.select_related("season"), pk=session_id)
    user = request.user
    token = request.GET.get("t")
    if token:
        try:
            claims = signing.loads(token, salt=JOIN_SALT, max_age=60 * 60 * 24 * 30)
        except signing.BadSignature as error:
            raise PermissionDenied(_("This join link is not valid.")) from error
        if claims.get("s") != session.pk or (user.is_authenticated and user.pk != claims.get("u")):
            raise PermissionDenied(_("This join link is not valid."))
        from django.contrib.auth import get_user_model

        user = get_object_or_404(get_user_model(), pk=claims["u"])
    elif not user.is_authenticated:
        return redirect(f"{reverse('login')}?next={request.get_full_path()}")
    manager = session_manageable_by(session=session, user=user)
    if not manager and session_for_participant(user=user, session_id=session.pk) is None:
        raise PermissionDenied(_("You are not a participant of this session's track."))
    now = timezone.now()
    if not manager and not (join_opens_at(session) <= now <= session.window_end):
        return render(request, "live/join_closed.html", {"session": session, "opens_at": join_opens_at(session)})
    if session.delivery == Delivery.BBB:
        return redirect(
            bbb_join_url(session=session, user=user, full_name=user.get_full_name() or user.username, moderator=manager)
        )
    if session.delivery == Delivery.OFFLINE or not session.room_url:
        return render(request, "live/join_closed.html", {"session": session, "offline": True})
    return redirect(session.room_url)


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


@login_required
def console_detail(request, session_id: int):
    session = _console_session(request, session_id)
    report = None
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
                    user_id=int(request.POST.get("user_id", "0") or 0),
                    status=request.POST.get("status", ""),
                    comment=request.POST.get("comment", ""),
                    by=request.user,
                )
                messages.success(request, _("The mark is saved."))
            elif action == "recording" and request.FILES.get("recording"):
                recording_attach(session=session, source=request.FILES["recording"], by=request.user)
                messages.success(request, _("The recording is being transcoded; a draft lecture was created."))
            elif action == "import" and request.FILES.get("report"):
                report = attendance_report_import(
                    session=session,
                    content=request.FILES["report"].read(),
                    timezone_name=request.POST.get("timezone") or conf.report_default_timezone(),
                )
            else:
                messages.error(request, _("Unknown action."))
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        if report is None:
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
    )


EXPORT_HEADER = ["user_id", "name", "email", "minutes", "covered_seconds", "percent", "status", "sources", "comment"]


def _export_rows(table: list[dict]) -> list[list]:
    return [
        [
            row["user_id"],
            row["name"],
            row["email"],
            row["minutes"],
            row["covered_seconds"],
            row["percent"],
            row["status"],
            ", ".join(row["sources"]),
            row["manual_comment"],
        ]
        for row in table
    ]


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
        writer.writerow(EXPORT_HEADER)
        writer.writerows(rows)
        response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "attendance"
        sheet.append(EXPORT_HEADER)
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
