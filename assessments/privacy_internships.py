"""The internships' part of a person's data (lms.privacy's registry, beside `privacy.py`): for the
export, the person's internships (host, dates, supervisor, plan, a cancellation and its reason),
their weekly log, the host's answers on each week's attendance, the final feedback and any
earlier feedback staff reopened; for an erasure, the log (text the person wrote, which may name
them) and every free text about them — the feedback's comment, the weeks' notes, the earlier
feedbacks' comments and the cancellation's reason. The dates, scores, weeks' answers and states
stay: the season's figures and the region's dossier count them."""

from django.utils.translation import gettext_lazy as _

from assessments.models import (
    Internship,
    InternshipCancelNotice,
    InternshipFeedbackReopening,
    InternshipLogEntry,
    InternshipWeek,
)
from assessments.selectors.internships import STATE_LABELS, internship_state
from lms.privacy.registry import DataSection, PersonalDataPart


def _scores_text(rubric: dict, scores: dict) -> str:
    labels = rubric.get("labels", {})
    return ", ".join(f"{labels.get(key, key)}: {score}" for key, score in scores.items())


def internships_part_export(user_id: int) -> list[DataSection]:
    """Four queries: the internships with their offers, bodies and seasons; the log entries; the
    weeks; the reopened feedbacks."""
    internships = list(
        Internship.objects.filter(participant__user_id=user_id)
        .select_related("offer__host", "season")
        .order_by("starts_on", "id")
    )
    entries = InternshipLogEntry.objects.filter(internship__participant__user_id=user_id).order_by("week", "id")
    weeks = InternshipWeek.objects.filter(internship__participant__user_id=user_id).order_by("week", "id")
    reopenings = InternshipFeedbackReopening.objects.filter(internship__participant__user_id=user_id).order_by(
        "reopened_at", "id"
    )
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
                ("cancelled_at", _("cancelled at")),
                ("cancel_reason", _("reason for the cancellation")),
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
                    "state": STATE_LABELS[internship_state(internship=item)],
                    "feedback_scores": _scores_text(item.feedback_rubric, item.feedback_scores),
                    "feedback_comment": item.feedback_comment,
                    "feedback_at": item.feedback_at,
                    "cancelled_at": item.cancelled_at,
                    "cancel_reason": " ".join(filter(None, [item.get_cancel_cause_display(), item.cancel_reason])),
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
        DataSection(
            "internship_weeks",
            _("Internship attendance by week"),
            [("week", _("week (its Monday)")), ("status", _("attendance")), ("note", _("note"))],
            [{"week": week.week, "status": week.get_status_display(), "note": week.note} for week in weeks],
        ),
        DataSection(
            "internship_reopened_feedback",
            _("Reopened internship feedback"),
            [
                ("reopened_at", _("reopened at")),
                ("reason", _("reason")),
                ("feedback_at", _("feedback given at")),
                ("feedback_scores", _("feedback scores")),
                ("feedback_comment", _("feedback comment")),
            ],
            [
                {
                    "reopened_at": item.reopened_at,
                    "reason": item.reason,
                    "feedback_at": item.feedback_at,
                    "feedback_scores": _scores_text(item.feedback_rubric, item.feedback_scores),
                    "feedback_comment": item.feedback_comment,
                }
                for item in reopenings
            ],
        ),
    ]


def internships_part_erase(user_id: int) -> None:
    InternshipLogEntry.objects.filter(internship__participant__user_id=user_id).delete()
    mine = Internship.objects.filter(participant__user_id=user_id)
    mine.exclude(feedback_comment="", cancel_reason="").update(feedback_comment="", cancel_reason="")
    InternshipWeek.objects.filter(internship__in=mine).exclude(note="").update(note="")
    InternshipFeedbackReopening.objects.filter(internship__in=mine).update(feedback_comment="", reason="")
    # The e-mails telling them of a cancellation: none left to send, no address kept.
    notices = InternshipCancelNotice.objects.filter(internship__in=mine)
    notices.filter(sent_at__isnull=True).delete()
    notices.update(email="")


INTERNSHIPS_PART = PersonalDataPart(
    "internships", _("Internships"), internships_part_export, internships_part_erase, order=44
)
