from collections.abc import Iterable, Sequence
from datetime import date
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import BooleanField, Exists, Expression, F, OuterRef, Q, QuerySet
from django.utils import timezone

from lms import roles
from lms.models import Application, Consent, ConsentPurpose, Participant, Season


def programme_today() -> date:
    """Stage dates are the programme's calendar dates, read in its home zone (Moscow), so a
    campaign closes at the same instant for every applicant wherever they live."""
    from zoneinfo import ZoneInfo

    return timezone.localdate(timezone=ZoneInfo(settings.TIME_ZONE))


def season_list() -> QuerySet[Season]:
    return Season.objects.all()


def season_get(*, season_id: int) -> Season | None:
    return Season.objects.filter(pk=season_id).first()


def season_public() -> Season | None:
    """The season the public pages speak of: the one being run (its campaign has started and it
    has not finished), else the next planned one, else the latest."""
    today = programme_today()
    seasons = list(Season.objects.order_by("campaign_starts_on", "id"))
    running = [item for item in seasons if item.campaign_starts_on <= today <= item.closing_ends_on]
    planned = [item for item in seasons if item.campaign_starts_on > today]
    if running:
        return running[-1]
    if planned:
        return planned[0]
    return seasons[-1] if seasons else None


def season_timeline(*, season: Season, today: date | None = None) -> list[dict]:
    """The season's stages with their dates, the current ones marked (stages overlap)."""
    return stage_timeline(windows=season.stage_windows(), today=today or programme_today())


def stage_timeline(*, windows: Iterable[tuple[str, date, date]], today: date) -> list[dict]:
    """Stages (Season.stage_windows) with their dates, those `today` falls in marked current."""
    from lms.models import Stage

    return [
        {"label": Stage(stage).label, "starts": starts, "ends": ends, "current": starts <= today <= ends}
        for stage, starts, ends in windows
    ]


def season_open_for_applications(*, on: date | None = None) -> Season | None:
    day = on or programme_today()
    return (
        Season.objects.filter(campaign_starts_on__lte=day, campaign_ends_on__gte=day)
        .order_by("-campaign_starts_on")
        .first()
    )


# What a returning applicant's form is filled from: everything they told us, except the consent,
# which is given anew for each season, and what the service derives (district, submission times).
REAPPLICATION_FIELDS = (
    "last_name",
    "first_name",
    "patronymic",
    "email",
    "date_of_birth",
    "citizenship",
    "region_code",
    "timezone",
    "education_level",
    "institution",
    "studies_public_administration",
    "in_state_service",
    "state_service_years",
    "youth_organisations",
    "own_projects",
    "government_internships",
    "youth_government_member",
    "experience_details",
    "internship_preference",
    "internship_reason",
)


def application_latest_for_user(*, user: AbstractBaseUser) -> Application | None:
    """A person's most recent application (of an earlier season) that they allowed to be reused
    (a "reuse" consent in force), to fill their next one from."""
    if not user.is_authenticated:
        return None
    return (
        Application.objects.counted()
        .select_related("season")
        .filter(user=user, consents__purpose=ConsentPurpose.REUSE, consents__withdrawn_at__isnull=True)
        .order_by("-submitted_at", "-id")
        .first()
    )


def application_held_latest(*, user: AbstractBaseUser) -> Application | None:
    """A person's latest application still waiting for its address to be confirmed: the cabinet
    says why it does not count yet and offers to send the link again."""
    if not user.is_authenticated:
        return None
    # Asked on every cabinet page, and almost always of nobody: the id alone first (a narrow query
    # costs a fraction of reading a whole application and its season), the rest only for one found.
    held_id = (
        Application.objects.held()
        .filter(user=user, erased_at__isnull=True)
        .order_by("-submitted_at", "-id")
        .values_list("pk", flat=True)
        .first()
    )
    return None if held_id is None else Application.objects.select_related("season").get(pk=held_id)


def application_reapplication_initial(*, application: Application) -> dict:
    return {field: getattr(application, field) for field in REAPPLICATION_FIELDS}


def participant_current(*, user: AbstractBaseUser) -> Participant | None:
    """A person may take part in several seasons; the cabinet shows the latest."""
    if not user.is_authenticated:
        return None
    return (
        Participant.objects.select_related("season", "application")
        .filter(user=user)
        .order_by("-season__campaign_starts_on", "-id")
        .first()
    )


def participant_get(*, participant_id: int) -> Participant | None:
    return Participant.objects.select_related("season", "application").filter(pk=participant_id).first()


def participant_in_season(*, user_id: int, season_id: int) -> Participant | None:
    return Participant.objects.filter(user_id=user_id, season_id=season_id).first()


def participant_list(*, season: Season, track: str | None = None) -> QuerySet[Participant]:
    """A season's participants (of one track) by last and first name, with their user and
    application. Those who left the season (withdrew their consent to take part) are not counted."""
    participants = (
        Participant.objects.filter(season=season, left_at__isnull=True)
        .select_related("user", "application")
        .order_by("application__last_name", "application__first_name", "id")
    )
    if track:
        participants = participants.filter(track=track)
    return participants


class SeasonPick(NamedTuple):
    seasons: list[Season]
    season: Season | None
    unknown: bool  # a season was asked for that does not exist: the page says so


def season_pick_for_staff(*, chosen: str | None) -> SeasonPick:
    """The season a staff page shows: the one chosen (by id, from a form or the query string), else
    the same default on every page — the newest season whose campaign has started (the one being
    run), else the newest planned one."""
    seasons = list(Season.objects.order_by("-campaign_starts_on", "-id"))
    if chosen:
        season = next((item for item in seasons if str(item.pk) == str(chosen).strip()), None)
        if season is not None:
            return SeasonPick(seasons, season, False)
    today = programme_today()
    default = next((item for item in seasons if item.campaign_starts_on <= today), seasons[0] if seasons else None)
    return SeasonPick(seasons, default, bool(chosen))


def user_has_role(*, user: AbstractBaseUser, role: str) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name=role).exists()


def user_roles(*, user: AbstractBaseUser) -> set[str]:
    """The roles of lms.roles a user has, in one query (`user_has_role` for each role asks one each);
    a superuser has them all."""
    if not user.is_authenticated:
        return set()
    if user.is_superuser:
        return set(roles.ROLES)
    return set(user.groups.filter(name__in=list(roles.ROLES)).values_list("name", flat=True))


def user_is_staff(*, user: AbstractBaseUser) -> bool:
    """Programme staff: the staff role, or Django's staff flag (which opens the Django admin)."""
    return user.is_authenticated and (user.is_staff or user_has_role(user=user, role=roles.STAFF))


def application_ids_with(*, application_ids: Iterable[int], **flags: bool) -> set[int]:
    """Which of these applications state the given experience flags (e.g. `own_projects=True`):
    one query, for score modules that judge the application form."""
    allowed = {field.name for field in Application._meta.fields if isinstance(field, BooleanField)}
    unknown = set(flags) - allowed
    if unknown:
        raise ValueError(f"not an application flag: {', '.join(sorted(unknown))}")
    return set(Application.objects.filter(pk__in=list(application_ids), **flags).values_list("pk", flat=True))


class ParticipantSummary(NamedTuple):
    """What another app's lists show of a participant: the name (from the application), the
    level and the federal district."""

    last_name: str
    first_name: str
    patronymic: str
    level: str
    federal_district: str

    @property
    def short_name(self) -> str:
        """The "Last First" form the admission lists and the experts' slots show."""
        return f"{self.last_name} {self.first_name}"

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.last_name, self.first_name, self.patronymic) if part)


def participant_summaries(*, participant_ids: Iterable[int]) -> dict[int, ParticipantSummary]:
    """These participants' summaries by participant id: one query. The ids may be a query of ids
    (`….values("participant_id")`), kept a subquery then, so a list of 100,000 participants needs
    no 100,000-id parameter list."""
    ids = participant_ids if isinstance(participant_ids, QuerySet) else list(participant_ids)
    rows = (
        Participant.objects.filter(pk__in=ids)
        .order_by()
        .values_list(
            "pk",
            "application__last_name",
            "application__first_name",
            "application__patronymic",
            "level",
            "federal_district",
        )
    )
    return {pk: ParticipantSummary(*fields) for pk, *fields in rows}


def participant_ids_in_season(*, season_id: int) -> QuerySet:
    """The ids of a season's participants (those who have not left it), as a lazy query: another
    app filters its own rows with it (`participant_id__in=…`), one subquery, no join through this
    app's tables by path."""
    return Participant.objects.filter(season_id=season_id, left_at__isnull=True).order_by().values("pk")


def participant_ids_matching(*, season_id: int, query: str) -> QuerySet:
    """The ids of a season's participants whose name, login or e-mail contains `query`, as a lazy
    query for another app's filter (like participant_ids_in_season)."""
    words = query.split()
    participants = Participant.objects.filter(season_id=season_id, left_at__isnull=True)
    for word in words:
        participants = participants.filter(
            Q(application__last_name__icontains=word)
            | Q(application__first_name__icontains=word)
            | Q(application__patronymic__icontains=word)
            | Q(user__username__icontains=word)
            | Q(user__email__icontains=word)
        )
    return participants.order_by().values("pk")


def application_summary(*, participant_id: int) -> dict | None:
    """What an interview's expert reads of a participant's application (the five topics ask about
    it): education, work and public experience, the ROIV/FOIV choice and its reason, region and
    level, with the choices' labels. One query; None for an unknown participant."""
    participant = Participant.objects.select_related("application").filter(pk=participant_id).first()
    if participant is None:
        return None
    application = participant.application
    experience = [
        str(field.verbose_name)
        for field in Application._meta.fields
        if field.name
        in (
            "studies_public_administration",
            "in_state_service",
            "youth_organisations",
            "own_projects",
            "government_internships",
            "youth_government_member",
        )
        and getattr(application, field.name)
    ]
    return {
        "name": application.full_name,
        "education": application.get_education_level_display(),
        "institution": application.institution,
        "state_service_years": application.state_service_years,
        "experience": experience,
        "experience_details": application.experience_details,
        "internship_preference": application.get_internship_preference_display(),
        "internship_reason": application.internship_reason,
        "region": application.get_region_code_display(),
        "federal_district": participant.get_federal_district_display(),
        "level": participant.get_level_display(),
    }


def participant_places(*, participant_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """These participants' (region code, time zone) by participant id, for lists that name the
    region and e-mails written in the reader's zone: one query; the ids may be a query of ids, as for
    participant_summaries."""
    ids = participant_ids if isinstance(participant_ids, QuerySet) else list(participant_ids)
    rows = Participant.objects.filter(pk__in=ids).order_by().values_list("pk", "region_code", "timezone")
    return {pk: (region, zone) for pk, region, zone in rows}


def participant_ids_in_talent_pool(*, participant_ids: Iterable[int]) -> set[int]:
    """Which of these participants have the talent pool's consent in force on their application
    (the talent pool lists them and a dossier names them to their region only then): one query."""
    return set(
        Consent.objects.filter(
            application__participant__in=list(participant_ids),
            purpose=ConsentPurpose.TALENT_POOL,
            withdrawn_at__isnull=True,
        ).values_list("application__participant", flat=True)
    )


class ParticipantPoolFacts(NamedTuple):
    """What the talent pool shows of a participation: who (the user, for recognising the same person
    across seasons), the season, the region and the level."""

    user_id: int
    season_id: int
    season_name: str
    season_starts_on: date
    region_code: str
    level: str
    left: bool  # left the season (the pool keeps them only with an internship finished before)


def participant_pool_facts(*, participant_ids: Iterable[int]) -> dict[int, ParticipantPoolFacts]:
    """These participations' user, season, region and level by participant id: one query; the ids
    may be a query of ids, as for participant_summaries."""
    ids = participant_ids if isinstance(participant_ids, QuerySet) else list(participant_ids)
    rows = (
        Participant.objects.filter(pk__in=ids)
        .order_by()
        .values_list(
            "pk",
            "user_id",
            "season_id",
            "season__name",
            "season__campaign_starts_on",
            "region_code",
            "level",
            "left_at",
        )
    )
    return {pk: ParticipantPoolFacts(*fields, left_at is not None) for pk, *fields, left_at in rows}


def participant_ids_in_pool(
    *,
    qualified: Sequence[QuerySet],
    finished_at: Expression,
    among: Sequence[QuerySet] = (),
    participant_ids: Iterable[int] | None = None,
    user_ids_of: QuerySet | Iterable[int] | None = None,
    region_code: str = "",
    level: str = "",
    user_id: int | None = None,
) -> QuerySet:
    """The talent pool's participations as a lazy query of ids, by name then season: those in any of
    `qualified` (id queries of another app: the finalists, the finished interns) whose application
    is not erased and carries the talent pool's consent in force. One who left the season stays only
    when `finished_at` (a subquery over `OuterRef("pk")`: when their internship was finished) is not
    after they left: left before finishing, they are not listed. Narrowed, all in SQL, by each id
    query of `among`, by these participant ids, by the people of `user_ids_of` (participant ids:
    every pool participation of the same users), by region, level and user."""
    consent = Consent.objects.filter(
        application_id=OuterRef("application_id"), purpose=ConsentPurpose.TALENT_POOL, withdrawn_at__isnull=True
    )
    anyone = Q()
    for ids in qualified:
        anyone |= Q(pk__in=ids)
    participants = (
        Participant.objects.filter(anyone, Exists(consent), application__erased_at__isnull=True)
        .annotate(pool_finished_at=finished_at)
        .filter(Q(left_at__isnull=True) | Q(pool_finished_at__lte=F("left_at")))
    )
    for ids in among:
        participants = participants.filter(pk__in=ids)
    if participant_ids is not None:
        participants = participants.filter(pk__in=list(participant_ids))
    if user_ids_of is not None:
        of = user_ids_of if isinstance(user_ids_of, QuerySet) else list(user_ids_of)
        participants = participants.filter(user_id__in=Participant.objects.filter(pk__in=of).values("user_id"))
    if region_code:
        participants = participants.filter(region_code=region_code)
    if level:
        participants = participants.filter(level=level)
    if user_id is not None:
        participants = participants.filter(user_id=user_id)
    return participants.order_by(
        "application__last_name",
        "application__first_name",
        "application__patronymic",
        "season__campaign_starts_on",
        "pk",
    ).values_list("pk", flat=True)


class EarlierParticipation(NamedTuple):
    """A participation of the same person in a season that began before the one asked about: the
    programme's own record that they took part (the pool's facts about it need the pool's consent)."""

    participant_id: int
    user_id: int
    season_id: int
    season_name: str
    left: bool


def participant_earlier_seasons(*, participant_ids: Iterable[int]) -> dict[int, list[EarlierParticipation]]:
    """For each of these participants, the same person's participations in seasons whose campaign
    began earlier (erased ones never), earliest first; one with none is absent. Two queries."""
    current = {
        pk: (user_id, starts_on)
        for pk, user_id, starts_on in Participant.objects.filter(pk__in=list(participant_ids))
        .order_by()
        .values_list("pk", "user_id", "season__campaign_starts_on")
    }
    if not current:
        return {}
    by_user: dict[int, list[tuple]] = {}
    for row in (
        Participant.objects.filter(
            user_id__in={user_id for user_id, _ in current.values()}, application__erased_at__isnull=True
        )
        .order_by("season__campaign_starts_on", "season_id")
        .values_list("pk", "user_id", "season_id", "season__name", "season__campaign_starts_on", "left_at")
    ):
        by_user.setdefault(row[1], []).append(row)
    earlier: dict[int, list[EarlierParticipation]] = {}
    for pk, (user_id, starts_on) in current.items():
        items = [
            EarlierParticipation(other, user_id, season_id, name, left_at is not None)
            for other, _, season_id, name, other_starts_on, left_at in by_user.get(user_id, [])
            if other_starts_on < starts_on
        ]
        if items:
            earlier[pk] = items
    return earlier


def participants_with_earlier_seasons(*, participants: QuerySet) -> QuerySet:
    """These participants, each annotated with `earlier_season_names`: the names of the seasons
    (begun before this one) the same person took part in, earliest first, erased ones never. A
    subquery per row in the same SQL (the admin's list shows it without a query per row)."""
    earlier = (
        Participant.objects.filter(
            user_id=OuterRef("user_id"),
            season__campaign_starts_on__lt=OuterRef("season__campaign_starts_on"),
            application__erased_at__isnull=True,
        )
        .order_by("season__campaign_starts_on", "season_id")
        .values("season__name")
    )
    return participants.annotate(earlier_season_names=ArraySubquery(earlier))


def participant_seasons_of_user(*, user_id: int) -> dict[int, int]:
    """The person's participations, as participant id → season id (their data export and erasure
    find other apps' rows by them): one query."""
    return dict(Participant.objects.filter(user_id=user_id).values_list("pk", "season_id"))
