from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.scores import (
    DatedScoreModule,
    ModuleAssessment,
    ModuleFigure,
    ModuleUnavailable,
    ParticipantRow,
    clamp,
    day,
)

if TYPE_CHECKING:
    from lms.models import Participant, Season


def _contract():
    """live's grouped attendance contract: each user's attendance of the track's ended sessions
    added up (time covered, sessions attended and excused), users with the same sums grouped."""
    try:
        from live.selectors import required_sessions_attendance_grouped
    except ImportError as error:
        raise ModuleUnavailable("live.selectors.required_sessions_attendance_grouped is missing") from error
    return required_sessions_attendance_grouped


def held_sessions(sessions: list[dict]) -> list[tuple[dict, int]]:
    """The sessions already held, with their scheduled length in seconds. A session still ahead
    (or running) counts neither for nor against anyone yet."""
    return [
        (session, max(0, int((session["ends_at"] - session["starts_at"]).total_seconds())))
        for session in sessions
        if session.get("finished", True)
    ]


class LiveModule(DatedScoreModule):
    """Share of the held sessions' scheduled time a participant was there for. An excused session
    leaves the count when the season says so (`excused_sessions_leave_denominator`); otherwise it
    counts as a session missed, with whatever time was covered."""

    name = "live"
    label = gettext_lazy("Live sessions")
    open_text = gettext_lazy("live sessions continue until %(date)s")

    def required_count(self, *, season: "Season", track: str) -> int:
        try:
            from live.selectors import required_session_count
        except ImportError as error:
            raise ModuleUnavailable("live.selectors.required_session_count is missing") from error
        return required_session_count(season_id=season.id, track=track)

    def assess(
        self,
        *,
        season: "Season",
        track: str,
        participants: "Sequence[ParticipantRow | Participant]",
        now: datetime,
    ) -> ModuleAssessment:
        user_ids = [p.user_id for p in participants] if len(participants) < 1000 else None
        data = _contract()(season_id=season.id, track=track, user_ids=user_ids)
        sessions = data["sessions"]
        held = held_sessions(sessions)
        length = {session["id"]: seconds for session, seconds in held}
        total = sum(length.values())
        summary_template, missed_template = (
            _("Live attendance %(percent)s%%, %(attended)s of %(total)s sessions attended"),
            _("Missed: %(title)s on %(date)s"),
        )
        missed_text = {
            session["id"]: missed_template % {"title": session["title"], "date": day(session["starts_at"])}
            for session, _seconds in held
        }
        leave_out_excused = season.excused_sessions_leave_denominator
        # One ModuleFigure per distinct (share, sessions attended, sessions missed): groups that add
        # up the same share it, and its texts are rendered once.
        shared: dict[tuple, ModuleFigure] = {}

        def figure_for(covered: int, excused_covered: int, attended: frozenset, excused: frozenset) -> ModuleFigure:
            scheduled = total
            if leave_out_excused:
                scheduled -= sum(length[session_id] for session_id in excused)
            else:
                covered += excused_covered
                excused = frozenset()
            share = covered / scheduled if scheduled else 1.0
            missed = [session for session, _seconds in held if session["id"] not in attended | excused]
            key = (share, len(attended), *[session["id"] for session in missed])
            figure = shared.get(key)
            if figure is None:
                figure = shared[key] = ModuleFigure(
                    value=clamp(share),
                    summary=summary_template
                    % {"percent": round(share * 100), "attended": len(attended), "total": len(held)},
                    missing=[missed_text[session["id"]] for session in missed],
                )
            return figure

        # Whoever is in no group attended nothing.
        result = dict.fromkeys([p.id for p in participants], figure_for(0, 0, frozenset(), frozenset()))
        participant_of = {p.user_id: p.id for p in participants}
        for group in data["groups"]:
            figure = figure_for(group.covered_seconds, group.excused_covered_seconds, group.attended, group.excused)
            for user_id in group.user_ids:
                participant_id = participant_of.get(user_id)
                if participant_id is not None:  # someone the run did not ask about (e.g. on another track)
                    result[participant_id] = figure
        ahead = [session["ends_at"] for session in sessions if not session.get("finished", True)]
        return ModuleAssessment(result, len(sessions), max(ahead, default=None), {})
