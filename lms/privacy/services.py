import logging
from collections.abc import Iterable
from datetime import date, datetime

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lms import roles
from lms.errors import ConflictError
from lms.models import Application, Consent, ConsentPurpose, Erasure, Participant
from lms.privacy.registry import personal_data_parts
from lms.privacy.selectors import RetentionDue, retention_due
from lms.privacy.texts import CONSENT_TEXTS

logger = logging.getLogger(__name__)


def consents_record(*, application: Application, purposes: Iterable[str], at: datetime) -> list[Consent]:
    """Store the purposes consented to with an application, each with the version of its text."""
    consents = []
    for purpose in purposes:
        consent = Consent(
            application=application, purpose=purpose, text_version=CONSENT_TEXTS[purpose].version, given_at=at
        )
        consent.full_clean()
        consents.append(consent)
    return Consent.objects.bulk_create(consents)


@transaction.atomic
def consent_withdraw(*, consent: Consent, now: datetime | None = None) -> Consent:
    """Withdraw one purpose from now on. Withdrawing "taking part" is leaving the season: the
    participant is marked as gone (participant_list, every app's view of a season's people, no
    longer counts them), so they drop out of admission, interviews and the season's lists; what was
    decided before (admission snapshots) stays as it was."""
    now = now or timezone.now()
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.withdrawn_at is not None:
        raise ConflictError(_("This consent was already withdrawn."))
    consent.withdrawn_at = now
    consent.full_clean()
    consent.save(update_fields=["withdrawn_at"])
    if consent.purpose == ConsentPurpose.PARTICIPATION:
        Participant.objects.filter(application_id=consent.application_id, left_at__isnull=True).update(left_at=now)
    logger.info("consent withdrawn: application %s, purpose %s", consent.application_id, consent.purpose)
    return consent


def pseudonym_for(*, user_id: int) -> str:
    # The id is kept anyway (the snapshots hold it), so the pseudonym reveals nothing more.
    return f"erased-{user_id}"


def person_erase(
    *, user: AbstractBaseUser, erased_by: AbstractBaseUser | None, reason: str = Erasure.Reason.REQUEST
) -> Erasure:
    """Erase a person by pseudonymising them in place: every app's erasure hook removes the
    personal fields and free text it holds, the user and participant ids stay, so the immutable
    admission snapshots (which hold ids, figures and reasons only) stay whole and hash the same.
    Redis work (beats in flight) runs after the commit. The audit row names who erased whom, when
    and under which pseudonym, never the erased data.

    Erasing an erased person again changes nothing and returns the first audit row. Staff and
    superuser accounts are refused: they run the programme and are handled by a superuser."""
    with transaction.atomic():
        User = get_user_model()
        locked = User.objects.select_for_update().get(pk=user.pk)
        existing = Erasure.objects.filter(user=locked).first()
        if existing is not None:
            return existing
        if locked.is_staff or locked.is_superuser or locked.groups.filter(name=roles.STAFF).exists():
            raise ConflictError(_("A staff account is not erased here: a superuser handles it."))
        if erased_by is not None and erased_by.pk == locked.pk:
            raise ConflictError(_("You cannot erase your own account."))
        for part in personal_data_parts():
            part.erase(locked.pk)
        erasure = Erasure(
            user=locked,
            pseudonym=pseudonym_for(user_id=locked.pk),
            reason=reason,
            erased_by=erased_by,
            erased_at=timezone.now(),
        )
        erasure.full_clean()
        erasure.save()
        for part in personal_data_parts():
            if part.erase_after_commit is not None:
                transaction.on_commit(lambda hook=part.erase_after_commit, user_id=locked.pk: hook(user_id))
    logger.info(
        "person erased: user %s as %s (%s) by %s",
        erasure.user_id,
        erasure.pseudonym,
        erasure.reason,
        erasure.erased_by_id or "the retention sweep",
    )
    return erasure


def lms_part_erase(user_id: int) -> None:
    """The core's part of an erasure: the account (name, e-mail, username → the pseudonym, no
    usable password, inactive, no roles, no API token, no e-mail address on record for login, no
    second factor),
    the applications' personal fields and own words, every consent withdrawn and every place in a
    season given up."""
    now = timezone.now()
    pseudonym = pseudonym_for(user_id=user_id)
    user = get_user_model().objects.get(pk=user_id)
    user.username = pseudonym
    user.first_name = user.last_name = user.email = ""
    user.is_active = False
    user.set_unusable_password()
    # A new password revokes every API token (lms.signals.api_tokens_revoke_on_password_change).
    user.save(update_fields=["username", "first_name", "last_name", "email", "is_active", "password"])
    user.groups.clear()
    EmailAddress.objects.filter(user_id=user_id).delete()
    Authenticator.objects.filter(user_id=user_id).delete()
    # A plain update: the erased fields no longer meet the form's rules (a required name, a
    # reason), and the constraints that matter (dated unless erased) hold at the database.
    Application.objects.filter(user_id=user_id).update(
        last_name=pseudonym,
        first_name="",
        patronymic="",
        email=f"{pseudonym}@erased.invalid",
        date_of_birth=None,
        institution="",
        experience_details="",
        internship_reason="",
        erased_at=now,
    )
    Consent.objects.filter(application__user_id=user_id, withdrawn_at__isnull=True).update(withdrawn_at=now)
    Participant.objects.filter(user_id=user_id, left_at__isnull=True).update(left_at=now)


def retention_sweep(*, dry_run: bool, today: date | None = None) -> list[RetentionDue]:
    """Erase (or, dry, only list) the people whose retention period is over (selectors.retention_due).
    Each person is erased in a transaction of their own, so one failure stops nobody else's."""
    due = retention_due(today=today)
    if dry_run:
        return due
    erased = []
    User = get_user_model()
    for person in due:
        try:
            person_erase(user=User.objects.get(pk=person.user_id), erased_by=None, reason=Erasure.Reason.RETENTION)
        except ConflictError:
            logger.warning("retention sweep skipped user %s", person.user_id)
            continue
        erased.append(person)
    return erased
