"""The participant's session page and our signed join link, and an invited guest's personal link:
the ways into a session's room."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from live import conf
from live.models import LiveSession
from live.rooms.base import RoomClosed, RoomNotStarted
from live.selectors import attendance_figure_for_user, session_for_participant
from live.services.guests import guest_by_token, guest_join_url
from live.services.presence import presence_key_issue
from live.services.sessions import JoinNotOpen, RoomNotReady, session_join_url

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
