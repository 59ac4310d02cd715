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
    try:
        from courses.selectors import required_lectures_completion
    except ImportError as error:
        raise ModuleUnavailable("courses.selectors.required_lectures_completion is missing") from error
    return required_lectures_completion


class RecordedModule(DatedScoreModule):
    """Share of the required recorded lectures completed before their (extended) deadlines.

    A participant who changed track is judged on the lectures of the track they are on now; a
    lecture both tracks require counts whenever it was completed in time (the courses app reports
    completions per lecture, not per track)."""

    name = "recorded"
    label = gettext_lazy("Recorded webinars")
    open_text = gettext_lazy("lectures open until %(date)s")

    def required_count(self, *, season: "Season", track: str) -> int:
        return len(_contract()(season_id=season.id, track=track, user_ids=[])["lectures"])

    def assess(
        self,
        *,
        season: "Season",
        track: str,
        participants: "Sequence[ParticipantRow | Participant]",
        now: datetime,
    ) -> ModuleAssessment:
        required_lectures_completion = _contract()
        user_ids = [p.user_id for p in participants] if len(participants) < 1000 else None
        data = required_lectures_completion(season_id=season.id, track=track, user_ids=user_ids)
        lectures = data["lectures"]
        deadlines, completed = data.get("deadlines", {}), data.get("completed", {})
        closed_template, due_template, summary_template = (
            _("Not watched: %(title)s, closed on %(date)s"),
            _("Not watched: %(title)s, due by %(date)s"),
            _("%(done)s of %(total)s required webinars watched in time"),
        )
        # Texts are rendered once per (lecture, deadline), figures built once per distinct pattern
        # of missed lectures: 100,000 participants share a few hundred of them.
        texts: dict[tuple, str] = {}

        def missing_text(lecture: dict, deadline) -> str:
            key = (lecture["id"], deadline)
            if key not in texts:
                texts[key] = (
                    _("Not watched: %(title)s") % {"title": lecture["title"]}
                    if deadline is None
                    else (closed_template if deadline <= now else due_template)
                    % {"title": lecture["title"], "date": day(deadline)}
                )
            return texts[key]

        total = len(lectures)
        position = {lecture["id"]: index for index, lecture in enumerate(lectures)}
        required = set(position)
        shared: dict[tuple, ModuleFigure] = {}

        def figure_for(missed: tuple, missed_deadlines: tuple) -> ModuleFigure:
            missing = [missing_text(lectures[index], deadline) for index, deadline in zip(missed, missed_deadlines)]
            done = [lecture["title"] for index, lecture in enumerate(lectures) if index not in missed]
            return ModuleFigure(
                value=clamp(len(done) / total) if total else 1.0,
                summary=summary_template % {"done": len(done), "total": total},
                done=done,
                missing=missing,
            )

        nothing: frozenset = frozenset()
        # The missed lectures are worked out once per distinct set of completions, by value. The
        # courses contract hands out frozensets (their hash is computed once however often it is
        # looked up); any other collection of ids is made one.
        missed_by_completions: dict[frozenset, tuple] = {}

        def missed_of(done_ids: frozenset) -> tuple:
            missed = missed_by_completions.get(done_ids)
            if missed is None:
                missed = missed_by_completions[done_ids] = tuple(
                    sorted(position[lecture_id] for lecture_id in required.difference(done_ids))
                )
            return missed

        def shared_figure(missed: tuple, own_deadlines: dict) -> ModuleFigure:
            # An extension changes only the text of a lecture still missing.
            key = (
                missed,
                tuple(own_deadlines.get(lectures[index]["id"], lectures[index].get("deadline")) for index in missed),
            )
            figure = shared.get(key)
            if figure is None:
                figure = shared[key] = figure_for(*key)
            return figure

        # Without an extension a participant's figure follows from their set of completions alone.
        plain: dict[frozenset, ModuleFigure] = {}
        result = {}
        extended: dict[int, list[tuple[str, datetime]]] = {}
        for participant in participants:
            done_ids = completed.get(participant.user_id, nothing)
            if type(done_ids) is not frozenset:
                done_ids = frozenset(done_ids)
            own_deadlines = deadlines.get(participant.user_id)
            if not own_deadlines:
                figure = plain.get(done_ids)
                if figure is None:
                    figure = plain[done_ids] = shared_figure(missed_of(done_ids), {})
                result[participant.id] = figure
                continue
            missed = missed_of(done_ids)
            result[participant.id] = shared_figure(missed, own_deadlines)
            # The contract's per-user deadlines are extensions: one still ahead on a lecture not
            # watched yet may change this participant's figure.
            still_open = [
                (lectures[index]["title"], own_deadlines[lectures[index]["id"]])
                for index in missed
                if (own_deadlines.get(lectures[index]["id"]) or now) > now
            ]
            if still_open:
                extended[participant.id] = still_open
        ahead = [lecture["deadline"] for lecture in lectures if lecture.get("deadline") and lecture["deadline"] > now]
        return ModuleAssessment(result, total, max(ahead, default=None), extended)
