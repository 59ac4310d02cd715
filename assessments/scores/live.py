from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, NamedTuple

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
    """live's attendance contract and its mark vocabulary (`live.choices`: the statuses of the
    attendance rows the contract returns)."""
    try:
        from live.choices import MarkStatus
        from live.selectors import required_sessions_attendance
    except ImportError as error:
        raise ModuleUnavailable("live.selectors.required_sessions_attendance is missing") from error
    return required_sessions_attendance, MarkStatus


class _Vocabulary(NamedTuple):
    attended: frozenset[str]
    present: str
    excused: str
    absent_row: dict


@cache
def _vocabulary() -> _Vocabulary:
    status = _contract()[1]
    return _Vocabulary(
        attended=frozenset({status.PRESENT.value, status.LATE.value}),
        present=status.PRESENT.value,
        excused=status.EXCUSED.value,
        absent_row={"covered_seconds": 0, "status": status.ABSENT.value},
    )


def held_sessions(sessions: list[dict]) -> list[tuple[dict, int]]:
    """The sessions already held, with their scheduled length in seconds. A session still ahead
    (or running) counts neither for nor against anyone yet."""
    return [
        (session, max(0, int((session["ends_at"] - session["starts_at"]).total_seconds())))
        for session in sessions
        if session.get("finished", True)
    ]


def presence(*, sessions: list[dict], attendance: dict, excused_leave_denominator: bool, held=None):
    """Share of the scheduled minutes a participant was present for, the sessions attended, and
    the sessions missed. An excused session leaves the denominator when the season says so;
    otherwise it counts as time not attended."""
    vocabulary = _vocabulary()
    scheduled = covered = attended = 0
    missed = []
    get = attendance.get
    for session, seconds in held if held is not None else held_sessions(sessions):
        row = get(session["id"]) or vocabulary.absent_row
        status = row["status"]
        if status == vocabulary.excused and excused_leave_denominator:
            continue
        scheduled += seconds
        own = row.get("covered_seconds") or 0
        if own > seconds:
            own = seconds
        elif status == vocabulary.present and own == 0:
            # Marked present by hand with no recorded time (an offline meeting, a lost log):
            # the mark stands for the whole session.
            own = seconds
        covered += own
        if status in vocabulary.attended:
            attended += 1
        else:
            missed.append(session)
    return (covered / scheduled if scheduled else 1.0), attended, missed


class LiveModule(DatedScoreModule):
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
        required_sessions_attendance = _contract()[0]
        user_ids = [p.user_id for p in participants] if len(participants) < 1000 else None
        data = required_sessions_attendance(season_id=season.id, track=track, user_ids=user_ids)
        sessions, attendance = data["sessions"], data.get("attendance", {})
        held_list = held_sessions(sessions)
        held = len(held_list)
        summary_template, missed_template = (
            _("Live attendance %(percent)s%%, %(attended)s of %(total)s sessions attended"),
            _("Missed: %(title)s on %(date)s"),
        )
        missed_text = {
            session["id"]: missed_template % {"title": session["title"], "date": day(session["starts_at"])}
            for session in sessions
        }
        excused_leave_denominator = season.excused_sessions_leave_denominator
        # One ModuleFigure per distinct (share, sessions attended, sessions missed): participants with the
        # same attendance share it, and its texts are rendered once.
        shared: dict[tuple, ModuleFigure] = {}
        no_rows: dict = {}
        result = {}
        for participant in participants:
            share, attended, missed = presence(
                sessions=sessions,
                attendance=attendance.get(participant.user_id) or no_rows,
                excused_leave_denominator=excused_leave_denominator,
                held=held_list,
            )
            key = (share, attended, *[session["id"] for session in missed])
            figure = shared.get(key)
            if figure is None:
                figure = shared[key] = ModuleFigure(
                    value=clamp(share),
                    summary=summary_template % {"percent": round(share * 100), "attended": attended, "total": held},
                    missing=[missed_text[session["id"]] for session in missed],
                )
            result[participant.id] = figure
        ahead = [session["ends_at"] for session in sessions if not session.get("finished", True)]
        return ModuleAssessment(result, len(sessions), max(ahead, default=None), {})
