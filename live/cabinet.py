from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from live.selectors import session_list_for_participant
from lms.cabinet import CabinetPanel


def _live_context(request, participant) -> dict:
    from live.views import join_link

    now = timezone.now()
    upcoming, past = [], []
    for session in session_list_for_participant(user=request.user, participant=participant):
        season_wide = session.kind == session.Kind.SEASON
        if season_wide and not session.registered:
            # Not registered: nothing to show once it has started; before, a seat to take.
            if now < session.starts_at:
                seats_left = None if session.capacity is None else max(session.capacity - (session.seats_taken or 0), 0)
                upcoming.append({"session": session, "register": True, "seats_left": seats_left})
            continue
        if session.state_at(now) == session.State.ENDED:
            past.append({"session": session, "presence": session.my_attendance[0] if session.my_attendance else None})
        else:
            upcoming.append(
                {
                    "session": session,
                    "opens_at": session.join_opens_at,
                    "join_open": session.joinable_at(now),
                    "join_url": join_link(session=session, user_id=request.user.pk),
                    "unregister": season_wide and now < session.starts_at,
                }
            )
    return {"upcoming": upcoming, "past": list(reversed(past))}


LIVE_PANEL = CabinetPanel(
    key="live", title=_("Live sessions"), template="live/cabinet_panel.html", context=_live_context, order=20
)
