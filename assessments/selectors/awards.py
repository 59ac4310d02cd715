"""Reads for the closing of a season: its awards, which certificates are due (and which of them are
issued), the certificates of a person, and a certificate by its public code."""

import re
from typing import NamedTuple

from django.db.models import QuerySet

from assessments.models import Award, Certificate, CertificateBatch, CertificateKind, InterviewStatus
from assessments.models.awards import CODE_LENGTH
from assessments.models.interviews import Interview
from assessments.selectors.panels import admitted_levels
from lms.selectors import participant_ids_in_season, participant_summaries

# What a code looks like (token_urlsafe's alphabet, its length): anything else is refused before
# the table is read, so a very long, non-ASCII or NUL-bearing code is a plain 404.
CODE_SHAPE = re.compile(rf"[A-Za-z0-9_-]{{{CODE_LENGTH}}}")

# The order a person's certificates are listed and due in: the stages as they come, then the awards.
KIND_ORDER = {kind: index for index, kind in enumerate(CertificateKind.values)}


class CertificateDue(NamedTuple):
    participant_id: int
    kind: str
    holder_name: str
    certificate_id: int | None  # issued already (revoked or not), or None: missing

    @property
    def kind_label(self) -> str:
        return CertificateKind(self.kind).label


def award_list(*, season_id: int) -> QuerySet[Award]:
    """The season's awards (of participants still in it) with who gave them: one query; the names
    come from `participant_summaries`."""
    return (
        Award.objects.filter(season_id=season_id, participant_id__in=participant_ids_in_season(season_id=season_id))
        .select_related("awarded_by")
        .order_by("participant_id", "kind")
    )


def award_rows(*, season_id: int) -> list[dict]:
    """The season's awards for the staff page, by the holder's name: two queries."""
    awards = list(award_list(season_id=season_id))
    names = participant_summaries(participant_ids=[award.participant_id for award in awards])
    rows = [
        {
            "id": award.id,
            "participant_id": award.participant_id,
            "name": names[award.participant_id].full_name,
            "kind": award.kind,
            "kind_label": award.get_kind_display(),
            "note": award.note,
            "awarded_by": award.awarded_by.get_full_name() or award.awarded_by.get_username(),
            "awarded_at": award.awarded_at,
        }
        for award in awards
    ]
    return sorted(rows, key=lambda row: (row["name"], row["participant_id"], KIND_ORDER[row["kind"]]))


def interviewed_ids(*, season_id: int) -> set[int]:
    """Participants of the season who took part in an expert interview: a booking not cancelled
    with at least one expert's submitted sheet (an interview nobody scored did not take place)."""
    return set(
        Interview.objects.filter(
            participant_id__in=participant_ids_in_season(season_id=season_id),
            status=InterviewStatus.BOOKED,
            sheets__submitted_at__isnull=False,
        )
        .values_list("participant_id", flat=True)
        .distinct()
    )


def certificates_due(*, season) -> list[CertificateDue]:
    """Every certificate the season's participants (those still in it) have earned, by name:
    - the education block completed: admitted to the interviews in the latest published admission
      run of their track (the completeness figures are judged there: `admitted_levels`);
    - the expert interview taken part in (`interviewed_ids`);
    - each award.
    Each with the certificate issued for it, if any. A fixed number of queries whatever the count:
    the runs, two per track, the interviews, the awards, the names and the certificates."""
    due: dict[int, set[str]] = {}
    for participant_id in admitted_levels(season_id=season.id):
        due.setdefault(participant_id, set()).add(CertificateKind.EDUCATION)
    for participant_id in interviewed_ids(season_id=season.id):
        due.setdefault(participant_id, set()).add(CertificateKind.INTERVIEW)
    for participant_id, kind in award_list(season_id=season.id).values_list("participant_id", "kind"):
        due.setdefault(participant_id, set()).add(kind)
    # Admission decisions are kept for good: one who has left the season since earns nothing now.
    names = participant_summaries(participant_ids=due)
    issued = {
        (participant_id, kind): pk
        for participant_id, kind, pk in Certificate.objects.filter(season_id=season.id).values_list(
            "participant_id", "kind", "pk"
        )
    }
    present = set(
        participant_ids_in_season(season_id=season.id).filter(pk__in=list(names)).values_list("pk", flat=True)
    )
    rows = [
        CertificateDue(participant_id, kind, names[participant_id].full_name, issued.get((participant_id, kind)))
        for participant_id, kinds in due.items()
        if participant_id in present
        for kind in kinds
    ]
    return sorted(rows, key=lambda row: (row.holder_name, row.participant_id, KIND_ORDER[row.kind]))


def certificate_list(*, season_id: int) -> QuerySet[Certificate]:
    """The season's certificates, by holder and kind: one query."""
    return Certificate.objects.filter(season_id=season_id).order_by("holder_name", "participant_id", "kind", "id")


def certificate_counts(*, due: list[CertificateDue]) -> list[dict]:
    """Per kind: how many are due and how many of them are issued."""
    return [
        {
            "kind": kind,
            "label": label,
            "due": sum(row.kind == kind for row in due),
            "issued": sum(row.kind == kind and row.certificate_id is not None for row in due),
        }
        for kind, label in CertificateKind.choices
    ]


def certificate_batch_open(*, season_id: int) -> CertificateBatch | None:
    """An issue queued for the worker and not finished yet."""
    return CertificateBatch.objects.filter(season_id=season_id, finished_at__isnull=True).first()


def certificates_of_user(*, user_id: int) -> list[Certificate]:
    """A person's certificates of every season, newest season first: one narrow query for most
    people, who have none; a second for those who have."""
    certificates = Certificate.objects.filter(participant__user_id=user_id)
    if not certificates.order_by().values_list("pk", flat=True)[:1]:
        return []
    return sorted(
        certificates.select_related("season"),
        key=lambda item: (-item.season.campaign_starts_on.toordinal(), KIND_ORDER[item.kind], item.id),
    )


def certificate_of_user(*, user_id: int, certificate_id: int) -> Certificate | None:
    """One of the person's own certificates; another's, or none, is None (the view's 404)."""
    return Certificate.objects.filter(pk=certificate_id, participant__user_id=user_id).select_related("season").first()


def certificate_by_code(*, code: str) -> Certificate | None:
    """The certificate with this public code; None for one that has no certificate's shape."""
    if not isinstance(code, str) or not CODE_SHAPE.fullmatch(code):
        return None
    return Certificate.objects.filter(code=code).select_related("season").first()


def certificate_get(*, certificate_id: int) -> Certificate | None:
    return Certificate.objects.filter(pk=certificate_id).select_related("season").first()
