"""Reads of host bodies and offers. Other apps (ministry interviews, placement, internships) read
them here: `offers_of_season`, `host_of_user`, `hosts_visible_to`."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Q, QuerySet, Sum

from lms import roles
from lms.hosts.models import LEVEL_FIELDS, HostBody, HostImport, HostMembership, InternshipOffer
from lms.selectors import user_is_staff


def host_of_user(*, user: AbstractBaseUser) -> HostBody | None:
    """The body a person represents: their membership, while they hold the `host` role (a role taken
    away elsewhere, e.g. in the Django admin, leaves them seeing nothing). One query."""
    if not user.is_authenticated:
        return None
    return HostBody.objects.filter(memberships__user=user, memberships__user__groups__name=roles.HOST).first()


def hosts_visible_to(*, user: AbstractBaseUser) -> QuerySet[HostBody]:
    """Every body for programme staff, their own for a host's people, none for anyone else."""
    if user_is_staff(user=user):
        return HostBody.objects.all()
    return HostBody.objects.filter(memberships__user=user, memberships__user__groups__name=roles.HOST)


def host_get(*, host_id: int) -> HostBody | None:
    return HostBody.objects.filter(pk=host_id).first()


def host_find_by_name(*, name: str) -> HostBody | None:
    return HostBody.objects.filter(name__iexact=name.strip()).first()


def host_list(
    *,
    user: AbstractBaseUser,
    query: str = "",
    kind: str = "",
    region_code: str = "",
    season_id: int | None = None,
) -> QuerySet[HostBody]:
    """The bodies `user` may see, by name, each with `offer_count` (its offers in `season_id`) and
    `seat_count`: one query, whatever the number of bodies (paginated by the caller)."""
    hosts = hosts_visible_to(user=user)
    for word in query.split():
        hosts = hosts.filter(Q(name__icontains=word) | Q(email__icontains=word) | Q(address__icontains=word))
    if kind:
        hosts = hosts.filter(kind=kind)
    if region_code:
        hosts = hosts.filter(region_code=region_code)
    in_season = Q(offers__season_id=season_id)
    return hosts.annotate(
        offer_count=Count("offers", filter=in_season), seat_count=Sum("offers__seats", filter=in_season)
    ).order_by("name", "id")


def host_members(*, host: HostBody) -> list[HostMembership]:
    """The people who represent `host`, with their accounts, by name: one query."""
    return list(
        HostMembership.objects.filter(host=host, user__groups__name=roles.HOST)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user_id")
    )


def host_membership_get(*, host: HostBody, user_id: int) -> HostMembership | None:
    return HostMembership.objects.select_related("user", "host").filter(host=host, user_id=user_id).first()


def offers_of_season(
    *,
    season_id: int,
    level: str | None = None,
    host_id: int | None = None,
    active_hosts_only: bool = False,
) -> QuerySet[InternshipOffer]:
    """A season's offers with their host body, by body and title; `level` keeps those that level
    may take. Other apps read the offers here (the placement reads `seats`, `levels`,
    `pro_other_regions` and `host.kind` / `host.region_code`)."""
    offers = InternshipOffer.objects.filter(season_id=season_id).select_related("host")
    if level is not None:
        offers = offers.filter(**{LEVEL_FIELDS[level]: True})
    if host_id is not None:
        offers = offers.filter(host_id=host_id)
    if active_hosts_only:
        offers = offers.filter(host__active=True)
    return offers.order_by("host__name", "title", "id")


def offer_list(
    *, user: AbstractBaseUser, season_id: int, query: str = "", host_id: int | None = None, kind: str = ""
) -> QuerySet[InternshipOffer]:
    """The season's offers `user` may see (staff: all; a host's people: their body's), with the body:
    one query (paginated by the caller)."""
    offers = offers_of_season(season_id=season_id, host_id=host_id).filter(host__in=hosts_visible_to(user=user))
    for word in query.split():
        offers = offers.filter(
            Q(title__icontains=word) | Q(host__name__icontains=word) | Q(description__icontains=word)
        )
    if kind:
        offers = offers.filter(host__kind=kind)
    return offers


def offer_get(*, offer_id: int) -> InternshipOffer | None:
    return InternshipOffer.objects.select_related("host", "season", "length_override_by").filter(pk=offer_id).first()


def offer_find(*, season_id: int, host_id: int, title: str) -> InternshipOffer | None:
    return InternshipOffer.objects.filter(season_id=season_id, host_id=host_id, title__iexact=title.strip()).first()


def host_import_get(*, import_id: int) -> HostImport | None:
    return HostImport.objects.select_related("season", "uploaded_by").filter(pk=import_id).first()
