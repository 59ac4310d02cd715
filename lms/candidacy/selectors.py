"""Reads of a participant's candidacy: which offers they may rank and why not, their ranking, a
season's rankings for staff, the CV versions and who may read them."""

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.candidacy.models import CvVersion, OfferPreference
from lms.candidacy.sources import foiv_recommended_ids
from lms.choices import Level
from lms.hosts.models import LEVEL_FIELDS, HostKind, InternshipOffer
from lms.hosts.selectors import host_of_user
from lms.models import Participant, Season
from lms.selectors import user_is_staff


def participant_foiv_recommended(*, participant: Participant) -> bool:
    return participant.pk in foiv_recommended_ids(participant_ids=[participant.pk])


def offer_refusal(*, participant: Participant, offer: InternshipOffer, foiv_recommended: bool) -> str | None:
    """Why `participant` may not rank `offer` (None: they may). The rules of issue 15 §2: the offer
    is of their season, its body takes interns and the offer their level; a regional (ROIV) offer
    is for its own region, and for PRO from other regions where it says so; a federal body's offer
    (a ministry, or a state corporation, which recruits the same way) only after a recommendation
    for the FOIV interviews (`lms.candidacy.sources`)."""
    if offer.season_id != participant.season_id:
        return _("This offer belongs to another season.")
    if not offer.host.active:
        return _("This host body takes no interns now.")
    if participant.level not in offer.levels:
        return _("This offer does not take participants of your level (%(level)s).") % {
            "level": Level(participant.level).label
        }
    if offer.host.kind == HostKind.ROIV:
        if offer.host.region_code == participant.region_code:
            return None
        if participant.level == Level.PRO and offer.pro_other_regions:
            return None
        return _("A regional body's offer is for participants of its region.")
    if not foiv_recommended:
        return _("Federal offers are open to Young and PRO participants recommended for the FOIV interviews.")
    return None


def offer_choices_for(*, participant: Participant) -> list[InternshipOffer]:
    """The offers `participant` may rank, by body and title, each with its body: two queries (the
    recommendation and the offers)."""
    offers = InternshipOffer.objects.filter(
        season_id=participant.season_id, host__active=True, **{LEVEL_FIELDS[participant.level]: True}
    ).select_related("host")
    allowed = Q(host__kind=HostKind.ROIV, host__region_code=participant.region_code)
    if participant.level == Level.PRO:
        allowed |= Q(host__kind=HostKind.ROIV, pro_other_regions=True)
    if participant_foiv_recommended(participant=participant):
        allowed |= ~Q(host__kind=HostKind.ROIV)
    return list(offers.filter(allowed).order_by("host__name", "title", "id"))


def offer_preferences_of(*, participant: Participant) -> list[OfferPreference]:
    """The participant's ranking, first choice first, with the offers and their bodies: one query."""
    return list(OfferPreference.objects.filter(participant=participant).select_related("offer__host").order_by("rank"))


def offer_preference_count(*, participant: Participant) -> int:
    return OfferPreference.objects.filter(participant=participant).count()


def offer_preferences_of_season(*, season_id: int) -> QuerySet[OfferPreference]:
    """Every ranking of a season for staff (and the placement): by participant's name, then rank,
    with the participant's application, the offer and its body: one query (paginated by callers)."""
    return (
        OfferPreference.objects.filter(participant__season_id=season_id)
        .select_related("participant__application", "offer__host")
        .order_by(
            "participant__application__last_name", "participant__application__first_name", "participant_id", "rank"
        )
    )


def preferences_open(*, season: Season, now: datetime | None = None) -> bool:
    return season.preferences_close_at is None or (now or timezone.now()) < season.preferences_close_at


def cv_open(*, season: Season, now: datetime | None = None) -> bool:
    return season.cv_close_at is None or (now or timezone.now()) < season.cv_close_at


def cv_latest(*, participant: Participant) -> CvVersion | None:
    return CvVersion.objects.filter(participant=participant).order_by("-number").first()


def candidacy_summary(*, participant: Participant) -> dict:
    """`ranked`: how many offers the participant ranked; `cv_number`: their latest CV's number (None:
    no CV yet). One query, for the cabinet, which shows no more of either."""
    return Participant.objects.filter(pk=participant.pk).aggregate(
        ranked=Count("offer_preferences", distinct=True), cv_number=Max("cv_versions__number")
    )


def cv_version_get(*, participant: Participant, number: int) -> CvVersion | None:
    return CvVersion.objects.filter(participant=participant, number=number).first()


def cv_versions(*, participant: Participant) -> QuerySet[CvVersion]:
    """Newest first, with who saved each: one query."""
    return CvVersion.objects.filter(participant=participant).select_related("created_by").order_by("-number")


def cv_reader_kind(*, user: AbstractBaseUser, participant: Participant) -> str | None:
    """Who `user` is to this participant's CV: "staff" (every version), "owner" or "host" (the
    latest), None (may not read it). A host is the people of a federal body (FOIV or state
    corporation) one of whose offers the participant ranked; a regional body or another ministry
    sees nothing. At most three queries."""
    if not user.is_authenticated:
        return None
    if user_is_staff(user=user):
        return "staff"
    if participant.user_id == user.pk:
        return "owner"
    host = host_of_user(user=user)
    if host is None or host.kind == HostKind.ROIV:
        return None
    if OfferPreference.objects.filter(participant=participant, offer__host=host).exists():
        return "host"
    return None


def host_applicants(*, user: AbstractBaseUser, season_id: int) -> QuerySet[OfferPreference]:
    """The rankings of the offers of the federal body `user` represents in a season (none for
    anyone else): by offer, then rank, with the participant's application and the offer: one query
    (after the body's, paginated by the caller)."""
    host = host_of_user(user=user)
    if host is None or host.kind == HostKind.ROIV:
        return OfferPreference.objects.none()
    return (
        OfferPreference.objects.filter(offer__host=host, offer__season_id=season_id, participant__left_at__isnull=True)
        .select_related("participant__application", "offer")
        .order_by("offer__title", "offer_id", "rank", "participant__application__last_name", "participant_id")
    )


def cv_latest_versions(*, participant_ids: Iterable[int]) -> dict[int, CvVersion]:
    """Each of these participants' latest CV version (those without one are missing): one query."""
    versions = CvVersion.objects.filter(participant_id__in=list(participant_ids)).order_by("participant_id", "-number")
    latest: dict[int, CvVersion] = {}
    for version in versions:
        latest.setdefault(version.participant_id, version)
    return latest


def cv_versions_by_id(*, version_ids: Iterable[int]) -> dict[int, CvVersion]:
    """These CV versions by id (a dossier keeps the ids of the versions it froze): one query."""
    return {version.pk: version for version in CvVersion.objects.filter(pk__in=list(version_ids))}
