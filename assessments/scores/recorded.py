from collections.abc import Sequence

from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.scores import Figure, ModuleUnavailable, ScoreModule, clamp
from lms.models import Participant, Season


def _contract():
    try:
        from courses.selectors import required_lectures_completion
    except ImportError as error:
        raise ModuleUnavailable("courses.selectors.required_lectures_completion is missing") from error
    return required_lectures_completion


class RecordedModule(ScoreModule):
    """Share of the required recorded lectures completed before their (extended) deadlines.

    A participant who changed track is judged on the lectures of the track they are on now; a
    lecture both tracks require counts whenever it was completed in time (the courses app reports
    completions per lecture, not per track)."""

    name = "recorded"
    label = gettext_lazy("Recorded webinars")

    def figures(self, *, season: Season, track: str, participants: Sequence[Participant]) -> dict[int, Figure]:
        required_lectures_completion = _contract()
        user_ids = [p.user_id for p in participants] if len(participants) < 1000 else None
        data = required_lectures_completion(season_id=season.id, track=track, user_ids=user_ids)
        lectures = data["lectures"]
        deadlines, completed = data.get("deadlines", {}), data.get("completed", {})
        # Texts are rendered once per lecture, not once per participant (100,000 of them).
        missing_template, summary_template = (
            _("Not watched: %(title)s, closed on %(date)s"),
            _("%(done)s of %(total)s required webinars watched in time"),
        )

        def missing_text(lecture: dict, deadline) -> str:
            if deadline is None:
                return _("Not watched: %(title)s") % {"title": lecture["title"]}
            return missing_template % {"title": lecture["title"], "date": date_format(localtime(deadline), "j E")}

        usual = {lecture["id"]: missing_text(lecture, lecture.get("deadline")) for lecture in lectures}
        total = len(lectures)
        result = {}
        for participant in participants:
            own_deadlines = deadlines.get(participant.user_id, {})
            own_completed = completed.get(participant.user_id, {})
            done, missing = [], []
            for lecture in lectures:
                if lecture["id"] in own_completed:
                    done.append(lecture["title"])
                elif lecture["id"] in own_deadlines:
                    missing.append(missing_text(lecture, own_deadlines[lecture["id"]]))
                else:
                    missing.append(usual[lecture["id"]])
            result[participant.id] = Figure(
                value=clamp(len(done) / total) if total else 1.0,
                summary=summary_template % {"done": len(done), "total": total},
                done=done,
                missing=missing,
            )
        return result
