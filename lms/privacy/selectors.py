from collections.abc import Iterable
from datetime import date, timedelta
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from lms.appsettings import app_setting
from lms.models import Application, Consent, ConsentPurpose, Erasure
from lms.privacy.registry import personal_data_parts

# The purposes that outlive a season: while one is in force the retention sweep keeps the person.
LATER_USE_PURPOSES = (ConsentPurpose.REUSE, ConsentPurpose.TALENT_POOL)


def retention_days() -> int:
    """How long after a season's closing its personal data is kept (LMS_RETENTION_DAYS)."""
    return int(app_setting("LMS_RETENTION_DAYS", 365))


def retention_sweep_interval_seconds() -> float:
    """How often Celery beat runs the retention sweep (LMS_RETENTION_SWEEP_INTERVAL_SECONDS)."""
    return float(app_setting("LMS_RETENTION_SWEEP_INTERVAL_SECONDS", 24 * 3600))


def consents_of_user(*, user: AbstractBaseUser) -> QuerySet[Consent]:
    """Every consent a person gave (in force and withdrawn), newest season first: one query."""
    return (
        Consent.objects.filter(application__user=user)
        .select_related("application__season")
        .order_by("-application__season__campaign_starts_on", "application_id", "purpose", "given_at", "id")
    )


def consent_in_force(*, application: Application, purpose: str) -> Consent | None:
    return Consent.objects.filter(application=application, purpose=purpose, withdrawn_at__isnull=True).first()


def consent_of_user(*, user: AbstractBaseUser, consent_id: int) -> Consent | None:
    """A consent the person gave, by id; None for anyone else's (the page answers 404)."""
    return (
        Consent.objects.select_related("application__season", "application__participant")
        .filter(pk=consent_id, application__user=user)
        .first()
    )


def user_ids_not_erased(*, user_ids: Iterable[int]) -> set[int]:
    """Which of these user ids name an account that exists and was not erased (one query): the
    progress flush stores beats only for them, and sets the rest aside."""
    erased = Erasure.objects.filter(user_id=OuterRef("pk"))
    return set(
        get_user_model().objects.filter(pk__in=list(user_ids)).exclude(Exists(erased)).values_list("pk", flat=True)
    )


class PersonFound(NamedTuple):
    user_id: int
    username: str
    email: str
    full_name: str
    erased: bool


def people_search_for_staff(*, query: str, limit: int = 50) -> list[PersonFound]:
    """People whose username or e-mail (account or application) matches, for the staff's erasure
    page: one query, whatever the number found."""
    query = query.strip()
    if len(query) < 3:
        return []
    users = (
        get_user_model()
        .objects.filter(username__icontains=query)
        .union(get_user_model().objects.filter(email__icontains=query))
        .union(get_user_model().objects.filter(applications__email__icontains=query))
    )
    rows = (
        get_user_model()
        .objects.filter(pk__in=users.values("pk"))
        .annotate(is_erased=Exists(Erasure.objects.filter(user_id=OuterRef("pk"))))
        .order_by("username", "pk")
        .values_list("pk", "username", "email", "last_name", "first_name", "is_erased")[:limit]
    )
    return [
        PersonFound(pk, username, email, f"{last} {first}".strip(), erased)
        for pk, username, email, last, first, erased in rows
    ]


class RetentionDue(NamedTuple):
    user_id: int
    username: str
    last_season_closed_on: date


def retention_due(*, today: date | None = None) -> list[RetentionDue]:
    """The applicants whose personal data the programme no longer needs: every season they
    applied to closed more than LMS_RETENTION_DAYS ago, no consent for a later use (reuse of the
    application, the talent pool) is in force, and they are not erased yet. Staff and superusers are
    never swept (their accounts run the programme). One query."""
    from django.db.models import Max

    today = today or timezone.localdate()
    cutoff = today - timedelta(days=retention_days())
    later_use = Consent.objects.filter(purpose__in=LATER_USE_PURPOSES, withdrawn_at__isnull=True)
    rows = (
        get_user_model()
        .objects.filter(applications__isnull=False, is_staff=False, is_superuser=False)
        .exclude(Exists(Erasure.objects.filter(user_id=OuterRef("pk"))))
        .exclude(applications__season__closing_ends_on__gte=cutoff)
        .exclude(pk__in=later_use.values("application__user_id"))
        .annotate(last_closed=Max("applications__season__closing_ends_on"))
        .order_by("pk")
        .values_list("pk", "username", "last_closed")
    )
    return [RetentionDue(*row) for row in rows]


def personal_data_export(*, user: AbstractBaseUser) -> dict:
    """Everything the programme holds of a person, part by part (each app registers its part):
    what the JSON download carries and the readable page shows."""
    parts = []
    for part in personal_data_parts():
        sections = part.export(user.pk)
        parts.append(
            {
                "key": part.key,
                "title": str(part.title),
                "sections": [
                    {
                        "key": section.key,
                        "title": str(section.title),
                        "columns": [{"key": key, "label": str(label)} for key, label in section.columns],
                        "rows": section.rows,
                    }
                    for section in sections
                ],
            }
        )
    return {"user_id": user.pk, "generated_at": timezone.now(), "parts": parts}


def person_for_erasure(*, user_id: int) -> tuple[AbstractBaseUser | None, Erasure | None]:
    """The account staff are about to erase and its erasure if done already (one query)."""
    user = get_user_model().objects.select_related("erasure").filter(pk=user_id).first()
    return user, getattr(user, "erasure", None) if user is not None else None
