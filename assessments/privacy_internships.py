"""The internships' part of a person's data (lms.privacy's registry, beside `privacy.py`): for the
export, the person's internships (host, dates, supervisor, plan), their weekly log and the host's
final feedback; for an erasure, the log (text the person wrote, which may name them) and the
feedback's comment (text about them). The dates, scores and states stay: the season's figures and
the region's dossier count them."""

from django.utils.translation import gettext_lazy as _

from assessments.models import Internship, InternshipLogEntry
from assessments.selectors.internships import STATES, internship_state
from lms.privacy.registry import DataSection, PersonalDataPart


def internships_part_export(user_id: int) -> list[DataSection]:
    """Two queries: the internships with their offers, bodies and seasons; the log entries."""
    internships = list(
        Internship.objects.filter(participant__user_id=user_id)
        .select_related("offer__host", "season")
        .order_by("starts_on", "id")
    )
    entries = InternshipLogEntry.objects.filter(internship__participant__user_id=user_id).order_by("week", "id")
    return [
        DataSection(
            "internships",
            _("Internships"),
            [
                ("season", _("season")),
                ("host", _("host body")),
                ("internship", _("internship")),
                ("starts_on", _("starts on")),
                ("ends_on", _("ends on")),
                ("supervisor", _("supervisor")),
                ("plan", _("plan of tasks")),
                ("state", _("status")),
                ("feedback_scores", _("feedback scores")),
                ("feedback_comment", _("feedback comment")),
                ("feedback_at", _("feedback given at")),
            ],
            [
                {
                    "season": item.season.name,
                    "host": item.offer.host.name,
                    "internship": item.offer.title,
                    "starts_on": item.starts_on,
                    "ends_on": item.ends_on,
                    "supervisor": item.supervisor_name,
                    "plan": item.plan,
                    "state": STATES[internship_state(internship=item)],
                    "feedback_scores": ", ".join(
                        f"{item.feedback_rubric.get('labels', {}).get(key, key)}: {score}"
                        for key, score in item.feedback_scores.items()
                    ),
                    "feedback_comment": item.feedback_comment,
                    "feedback_at": item.feedback_at,
                }
                for item in internships
            ],
        ),
        DataSection(
            "internship_log",
            _("Internship log"),
            [("week", _("week (its Monday)")), ("text", _("what I did this week"))],
            [{"week": entry.week, "text": entry.text} for entry in entries],
        ),
    ]


def internships_part_erase(user_id: int) -> None:
    InternshipLogEntry.objects.filter(internship__participant__user_id=user_id).delete()
    Internship.objects.filter(participant__user_id=user_id).exclude(feedback_comment="").update(feedback_comment="")


INTERNSHIPS_PART = PersonalDataPart(
    "internships", _("Internships"), internships_part_export, internships_part_erase, order=44
)
