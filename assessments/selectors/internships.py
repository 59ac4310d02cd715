"""Reads of the internships (issue 15 §4): the state each one is in (derived from its dates and
feedback on the reader's day, never stored), the staff's list with counts by state, a host body's
own interns, the intern's own internship, log and weeks, and a fixed-query summary for the
dossiers. Cancelled internships are left out of the states, counts, lists and the dossiers; their
own pages (staff's, the intern's) show them as cancelled with the reason."""

from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import Internship, InternshipFeedbackReopening, InternshipLogEntry, InternshipWeek
from lms.selectors import participant_summaries

if TYPE_CHECKING:
    from lms.models import Participant

NOT_STARTED, IN_PROGRESS, OVERDUE, FINISHED = "not_started", "in_progress", "overdue", "finished"
STATES = {
    NOT_STARTED: _("Not started"),
    IN_PROGRESS: _("In progress"),
    OVERDUE: _("Ended, no feedback"),
    FINISHED: _("Finished"),
}
# Not a state of the filters and counts (a cancelled internship drops out of them): its own label.
CANCELLED = "cancelled"
STATE_LABELS = {**STATES, CANCELLED: _("Cancelled")}
# The supervisor may give the feedback from this many days before the last day (the last days
# are usually the review), and the intern may write the log until the week of the last day.
FEEDBACK_OPENS_DAYS_BEFORE_END = 2
# Staff are told of an internship this many days after its end without feedback.
FLAG_AFTER_DAYS = 7


def week_of(day: date) -> date:
    """The Monday of `day`'s ISO week."""
    return day - timedelta(days=day.weekday())


def internship_state(*, internship: Internship, today: date | None = None) -> str:
    today = today or timezone.localdate()
    if internship.cancelled_at is not None:
        return CANCELLED
    if internship.feedback_at is not None:
        return FINISHED
    if today < internship.starts_on:
        return NOT_STARTED
    if today <= internship.ends_on:
        return IN_PROGRESS
    return OVERDUE


def internship_state_q(*, state: str, today: date) -> Q:
    """The same rule as `internship_state`, as a filter (for the counts and the staff's filter)."""
    pending = Q(feedback_at__isnull=True)
    return {
        FINISHED: Q(feedback_at__isnull=False),
        NOT_STARTED: pending & Q(starts_on__gt=today),
        IN_PROGRESS: pending & Q(starts_on__lte=today, ends_on__gte=today),
        OVERDUE: pending & Q(ends_on__lt=today),
    }[state]


def feedback_open(*, internship: Internship, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return internship.feedback_at is None and today >= internship.ends_on - timedelta(
        days=FEEDBACK_OPENS_DAYS_BEFORE_END
    )


def log_open(*, internship: Internship, today: date | None = None) -> bool:
    """The intern writes this week's entry from the first day until the week of the last day."""
    today = today or timezone.localdate()
    return internship.starts_on <= today and week_of(today) <= internship.ends_on


def week_open(*, internship: Internship, week: date, today: date | None = None) -> bool:
    """A week is confirmed from its Monday (or the internship's first day) on, never in advance."""
    today = today or timezone.localdate()
    return today >= max(week, internship.starts_on)


def internship_weeks_total(*, internship: Internship) -> int:
    """How many ISO weeks the internship touches (a partial first or last week counts)."""
    return (week_of(internship.ends_on) - week_of(internship.starts_on)).days // 7 + 1


def _attendance(internship: Internship, confirmed: int, present: int, today: date) -> dict:
    """Weeks confirmed of weeks in total; `started` False says "not started yet" instead of a
    vacuous "0 of N"."""
    return {
        "started": today >= internship.starts_on,
        "weeks_confirmed": confirmed,
        "weeks_present": present,
        "weeks_total": internship_weeks_total(internship=internship),
    }


def _with_week_counts(internships: QuerySet[Internship]) -> QuerySet[Internship]:
    return internships.annotate(
        weeks_confirmed=Count("weeks", distinct=True),
        weeks_present=Count("weeks", filter=Q(weeks__status="present"), distinct=True),
    )


def _feedback_summary(internship: Internship) -> dict | None:
    if internship.feedback_at is None:
        return None
    scores = internship.feedback_scores
    labels = internship.feedback_rubric.get("labels", {})
    return {
        "given_at": internship.feedback_at,
        "rubric": internship.feedback_rubric.get("title", ""),
        "max_score": internship.feedback_rubric.get("max_score"),
        "scores": [{"key": key, "label": labels.get(key, key), "score": score} for key, score in scores.items()],
        "average": round(sum(scores.values()) / len(scores), 2) if scores else None,
        "comment": internship.feedback_comment,
    }


def _rows(internships: list[Internship], today: date) -> list[dict]:
    people = participant_summaries(participant_ids=[item.participant_id for item in internships])
    rows = []
    for item in internships:
        person = people.get(item.participant_id)
        state = internship_state(internship=item, today=today)
        rows.append(
            {
                "id": item.pk,
                "internship": item,
                "participant_id": item.participant_id,
                "name": person.full_name if person else "",
                "host_id": item.offer.host_id,
                "host": item.offer.host.name,
                "offer": item.offer.title,
                "starts_on": item.starts_on,
                "ends_on": item.ends_on,
                "supervisor_name": item.supervisor_name,
                "supervisor_email": item.supervisor_email,
                "supervisor_user_id": item.supervisor_user_id,
                "state": state,
                "state_label": str(STATE_LABELS[state]),
                "attendance": _attendance(item, item.weeks_confirmed, item.weeks_present, today),
                "flagged_at": item.flagged_at,
                "feedback": _feedback_summary(item),
                "cancelled_at": item.cancelled_at,
                "cancel_cause": item.cancel_cause,
                "cancel_cause_label": item.get_cancel_cause_display() if item.cancel_cause else "",
                "cancel_reason": item.cancel_reason,
            }
        )
    return rows


def _base() -> QuerySet[Internship]:
    """Every internship, cancelled ones too (their own pages show them), with the week counts."""
    return _with_week_counts(Internship.objects.select_related("offer__host"))


def internship_list(
    *, season_id: int, state: str | None = None, host_id: int | None = None, today: date | None = None
) -> list[dict]:
    """The season's internships for staff, by start then id, filtered by state and host: two
    queries (the internships with their offers and bodies, the participants' names)."""
    today = today or timezone.localdate()
    internships = _base().active().filter(season_id=season_id)
    if state in STATES:
        internships = internships.filter(internship_state_q(state=state, today=today))
    if host_id is not None:
        internships = internships.filter(offer__host_id=host_id)
    return _rows(list(internships.order_by("starts_on", "id")), today)


def internship_counts(*, season_id: int, today: date | None = None) -> dict[str, int]:
    """How many of the season's internships are in each state: one query."""
    today = today or timezone.localdate()
    return (
        Internship.objects.active()
        .filter(season_id=season_id)
        .aggregate(**{state: Count("id", filter=internship_state_q(state=state, today=today)) for state in STATES})
    )


def internships_of_host(*, host_id: int, today: date | None = None) -> list[dict]:
    """A host body's interns (every season), latest first: two queries."""
    today = today or timezone.localdate()
    internships = _base().active().filter(offer__host_id=host_id).order_by("-starts_on", "id")
    return _rows(list(internships), today)


def internship_get(*, internship_id: int) -> Internship | None:
    return _base().filter(pk=internship_id).first()


def internship_detail(*, internship: Internship, today: date | None = None) -> dict:
    """One internship with its log, its weeks (each with the host's answer, and whether it may be
    given now) and the reopened feedback's history, for the intern, its host's people and staff:
    five queries (the internship again with its week counts, names, log, weeks, reopenings)."""
    today = today or timezone.localdate()
    internship = _base().get(pk=internship.pk)
    row = _rows([internship], today)[0]
    row["log"] = list(InternshipLogEntry.objects.filter(internship=internship).order_by("week"))
    answers = {item.week: item for item in InternshipWeek.objects.filter(internship=internship)}
    active = internship.cancelled_at is None
    row["weeks"] = [
        {
            "week": week,
            "last_day": week + timedelta(days=6),
            "answer": answers.get(week),
            "open": active and week not in answers and week_open(internship=internship, week=week, today=today),
        }
        for week in (
            week_of(internship.starts_on) + timedelta(days=7 * n)
            for n in range(internship_weeks_total(internship=internship))
        )
    ]
    row["reopenings"] = list(
        InternshipFeedbackReopening.objects.filter(internship=internship)
        .select_related("reopened_by")
        .order_by("reopened_at", "id")
    )
    row["plan"] = internship.plan
    row["feedback_open"] = active and feedback_open(internship=internship, today=today)
    row["log_open"] = active and log_open(internship=internship, today=today)
    row["this_week"] = week_of(today)
    row["this_week_entry"] = next((entry for entry in row["log"] if entry.week == week_of(today)), None)
    return row


def internship_of_participant(*, participant: "Participant") -> Internship | None:
    """The active internship of the participant's season, else the latest cancelled one (their
    page says it was cancelled and why)."""
    return (
        _base()
        .filter(participant=participant, season_id=participant.season_id)
        .order_by(F("cancelled_at").desc(nulls_first=True), "-id")
        .first()
    )


def internships_due_flag(*, today: date | None = None) -> QuerySet[Internship]:
    """Those ended at least `FLAG_AFTER_DAYS` days ago without feedback and not flagged yet."""
    today = today or timezone.localdate()
    return Internship.objects.active().filter(
        feedback_at__isnull=True, flagged_at__isnull=True, ends_on__lte=today - timedelta(days=FLAG_AFTER_DAYS)
    )


def internships_for_dossier(*, season_id: int, participant_ids, today: date | None = None) -> dict[int, dict]:
    """For a region's dossier: these participants' internships of the season by participant id —
    dates, host, offer, supervisor, state, weeks confirmed of weeks in total and the feedback's
    summary (rubric, scores, average, comment); cancelled ones left out. One query whatever the
    number of participants (`participant_ids` may be a query of ids)."""
    today = today or timezone.localdate()
    internships = _base().active().filter(season_id=season_id, participant_id__in=participant_ids)
    result = {}
    for item in internships:
        state = internship_state(internship=item, today=today)
        result[item.participant_id] = {
            "internship_id": item.pk,
            "host_id": item.offer.host_id,
            "host": item.offer.host.name,
            "offer": item.offer.title,
            "starts_on": item.starts_on,
            "ends_on": item.ends_on,
            "supervisor_name": item.supervisor_name,
            "supervisor_email": item.supervisor_email,
            "state": state,
            "state_label": str(STATES[state]),
            "attendance": _attendance(item, item.weeks_confirmed, item.weeks_present, today),
            "feedback": _feedback_summary(item),
        }
    return result
