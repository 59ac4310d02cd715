"""Reads for the offline meetings' panels: who sits on a meeting's panel, who is registered, and
the admitted participants of the meeting's district who still have no interview."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Q, QuerySet

from assessments.models import AdmissionRun, Decision, Interview, InterviewStatus, OfflineMeeting
from assessments.selectors.admission import decisions_effective
from lms import roles
from lms.selectors import participant_summaries


def meeting_list_for_staff(*, season_id: int) -> list[OfflineMeeting]:
    """The season's meetings, each with `booked` and `panel_size`: one query."""
    return list(
        OfflineMeeting.objects.filter(season_id=season_id).annotate(
            booked=Count("interviews", filter=Q(interviews__status=InterviewStatus.BOOKED), distinct=True),
            panel_size=Count("panel", distinct=True),
        )
    )


def meeting_for_panel(*, meeting_id: int) -> OfflineMeeting | None:
    return OfflineMeeting.objects.filter(pk=meeting_id).first()


def meeting_seats_left(*, meeting: OfflineMeeting) -> int:
    return max(0, meeting.capacity - meeting.interviews.filter(status=InterviewStatus.BOOKED).count())


def expert_list() -> QuerySet:
    """The users who hold the expert role, the panel's candidates."""
    return get_user_model().objects.filter(groups__name=roles.EXPERT).order_by("last_name", "first_name", "id")


def admitted_levels(*, season_id: int) -> dict[int, str]:
    """Participants whose effective decision in the latest published run of their track is
    "admitted" (the decision the cabinet shows them), each with the level they were admitted at:
    one query for the runs, two per track."""
    latest: dict[str, AdmissionRun] = {}
    for run in AdmissionRun.objects.filter(season_id=season_id, published_at__isnull=False).order_by(
        "published_at", "id"
    ):
        latest[run.track] = run
    return {
        row["participant_id"]: row["level"]
        for run in latest.values()
        for row in decisions_effective(run=run, reasons=False)
        if row["effective"] == Decision.ADMITTED
    }


def meeting_unassigned_ids(*, meeting: OfflineMeeting) -> list[int]:
    """Admitted participants of the meeting's season and district with no booked interview (online
    or offline), by name."""
    admitted = set(admitted_levels(season_id=meeting.season_id))
    booked = set(
        Interview.objects.filter(participant_id__in=admitted, status=InterviewStatus.BOOKED).values_list(
            "participant_id", flat=True
        )
    )
    people = participant_summaries(participant_ids=admitted - booked)
    return [
        pk
        for pk, person in sorted(people.items(), key=lambda item: (item[1].full_name, item[0]))
        if person.federal_district == meeting.federal_district
    ]


def meeting_panel_page(*, meeting: OfflineMeeting) -> dict:
    """What the panel page shows: the panel, every expert to choose from, the registered
    participants and the admitted ones of the district not yet assigned (a fixed number of
    queries whatever the counts)."""
    registered = list(
        meeting.interviews.filter(status=InterviewStatus.BOOKED).values_list("id", "participant_id").order_by("id")
    )
    unassigned = meeting_unassigned_ids(meeting=meeting)
    names = participant_summaries(participant_ids=[pk for _id, pk in registered] + unassigned)
    panel = {user.pk for user in meeting.panel.all()}
    return {
        "experts": [(user, user.pk in panel) for user in expert_list()],
        "registered": sorted(
            ({"interview_id": iid, "participant_id": pk, "name": names[pk].full_name} for iid, pk in registered),
            key=lambda row: (row["name"], row["participant_id"]),
        ),
        "unassigned": [{"participant_id": pk, "name": names[pk].full_name} for pk in unassigned],
        "seats_left": max(0, meeting.capacity - len(registered)),
    }


def meeting_on_panel(*, meeting_id: int, user: AbstractBaseUser) -> bool:
    return OfflineMeeting.panel.through.objects.filter(offlinemeeting_id=meeting_id, user_id=user.pk).exists()
