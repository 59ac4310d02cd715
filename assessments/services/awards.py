"""Staff give and withdraw awards (each change audited), issue a season's certificates (only the
missing ones; a big season by a Celery task) and revoke one; a certificate's PDF."""

import io
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.conf import certificates_inline_limit
from assessments.models import Award, AwardChange, AwardKind, Certificate, CertificateBatch
from assessments.permissions import staff_check
from assessments.selectors.awards import certificates_due
from lms.errors import ConflictError
from lms.pdf import pdf_image_data_url, pdf_render
from lms.selectors import participant_get, season_get
from lms.text import text_require_storable

# Issuing is a few bulk inserts: a claim this old belongs to a worker that died.
BATCH_LEASE = timedelta(minutes=15)


@transaction.atomic
def award_change(
    *, participant_id: int, kind: str, grant: bool, note: str = "", actor: AbstractBaseUser
) -> AwardChange | None:
    """Give (`grant`) or withdraw an award of a participant in their season, the one way awards
    change: each change is kept in AwardChange with who, when and the note (a withdrawal must say
    why). Giving an award held already, or withdrawing one not held, changes nothing (None).
    Withdrawing an award revokes its certificate, if one was issued, with the same reason."""
    staff_check(user=actor)
    note = (note or "").strip()
    text_require_storable(value=note, field="note")
    if kind not in AwardKind.values:
        raise ValidationError({"kind": [_("Choose one of the awards listed.")]})
    participant = participant_get(participant_id=participant_id)
    if participant is None or participant.left_at is not None:
        raise ValidationError({"participant": [_("Awards go to participants of the season.")]})
    if not grant and not note:
        raise ValidationError({"note": [_("Say why the award is withdrawn.")]})
    held = Award.objects.select_for_update().filter(participant_id=participant.id, kind=kind).first()
    if (held is not None) == grant:
        return None
    change = AwardChange(
        participant_id=participant.id,
        kind=kind,
        action=AwardChange.Action.GRANT if grant else AwardChange.Action.WITHDRAW,
        note=note,
        changed_by=actor,
    )
    change.full_clean()
    if grant:
        award = Award(
            participant_id=participant.id, season_id=participant.season_id, kind=kind, note=note, awarded_by=actor
        )
        award.full_clean()
        try:
            with transaction.atomic():
                award.save()
        except IntegrityError:
            # A concurrent twin gave it first: the award stands once, audited once.
            return None
    else:
        held.delete()
        issued = Certificate.objects.filter(participant_id=participant.id, kind=kind, revoked_at__isnull=True).first()
        if issued is not None:
            certificate_revoke(certificate=issued, reason=note, actor=actor)
    change.save()
    return change


def _issue_missing(*, season, actor_id: int) -> int:
    """Insert the season's missing certificates; a concurrent issue inserting the same
    (participant, kind) loses nothing and doubles nothing (ON CONFLICT DO NOTHING on the unique
    key). Returns how many this call added."""
    missing = [row for row in certificates_due(season=season) if row.certificate_id is None]
    if not missing:
        return 0
    before = Certificate.objects.filter(season_id=season.id).count()
    Certificate.objects.bulk_create(
        [
            Certificate(
                participant_id=row.participant_id,
                season_id=season.id,
                kind=row.kind,
                holder_name=row.holder_name,
                issued_by_id=actor_id,
            )
            for row in missing
        ],
        batch_size=500,
        ignore_conflicts=True,
    )
    return Certificate.objects.filter(season_id=season.id).count() - before


def certificates_issue(*, season, actor: AbstractBaseUser) -> tuple[int, CertificateBatch | None]:
    """Issue the season's certificates that are due and missing (issuing again adds only what is
    missing; a revoked certificate is not issued again). Up to `certificates_inline_limit()` at once, in this
    request: returns (how many, None). More are queued: a CertificateBatch that a Celery task runs
    once this commits: returns (0, the batch); a batch already waiting is returned as it is."""
    staff_check(user=actor)
    missing = sum(row.certificate_id is None for row in certificates_due(season=season))
    if missing <= certificates_inline_limit():
        with transaction.atomic():
            return _issue_missing(season=season, actor_id=actor.pk), None
    from assessments.tasks import certificate_batch_run_task

    with transaction.atomic():
        batch = (
            CertificateBatch.objects.select_for_update().filter(season_id=season.id, finished_at__isnull=True).first()
        )
        if batch is None:
            batch = CertificateBatch.objects.create(season_id=season.id, requested_by=actor)
            certificate_batch_run_task.delay_on_commit(batch.id)
        elif batch.claimed_at is not None and batch.claimed_at < timezone.now() - BATCH_LEASE:
            # Its worker died mid-way: asked again, it is handed to a worker again.
            certificate_batch_run_task.delay_on_commit(batch.id)
    return 0, batch


def certificate_batch_run(*, batch_id: int) -> int | None:
    """The worker's part of a big issue: claim the batch with a conditional UPDATE (a duplicate or
    redelivered message finds it claimed and does nothing; a claim older than BATCH_LEASE is a dead
    worker's and is taken over), issue what is missing now, record it."""
    now = timezone.now()
    claimed = (
        CertificateBatch.objects.filter(pk=batch_id, finished_at__isnull=True)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - BATCH_LEASE))
        .update(claimed_at=now)
    )
    if not claimed:
        return None
    batch = CertificateBatch.objects.get(pk=batch_id)
    with transaction.atomic():
        issued = _issue_missing(season=season_get(season_id=batch.season_id), actor_id=batch.requested_by_id)
        CertificateBatch.objects.filter(pk=batch_id).update(issued=issued, finished_at=timezone.now())
    return issued


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, reason: str, actor: AbstractBaseUser) -> Certificate:
    """Staff revoke a certificate, saying why (kept, not shown on the public page: it may be
    about the person). A revoked certificate stays revoked (409 the second time)."""
    staff_check(user=actor)
    reason = (reason or "").strip()
    text_require_storable(value=reason, field="reason")
    if not reason:
        raise ValidationError({"reason": [_("Say why the certificate is revoked.")]})
    locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if locked.revoked_at is not None:
        raise ConflictError(_("This certificate is already revoked."))
    locked.revoked_at = timezone.now()
    locked.revoked_because = Certificate.Revoked.STAFF
    locked.revoke_reason = reason
    locked.revoked_by = actor
    locked.full_clean()
    locked.save(update_fields=["revoked_at", "revoked_because", "revoke_reason", "revoked_by"])
    return locked


def certificate_qr_data_url(*, url: str) -> str:
    """The verification URL as a QR code, a PNG `data:` URL (the only kind lms.pdf lets in)."""
    import segno

    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=4, border=2)
    return pdf_image_data_url(content=buffer.getvalue(), content_type="image/png")


def certificate_pdf(*, certificate: Certificate, verify_url: str) -> bytes:
    """The certificate as a PDF (lms.pdf): the holder's name as at issue, what it attests, the
    season, the date, the code and a QR code of the verification page."""
    if certificate.revoked_at is not None:
        raise ConflictError(_("This certificate is revoked."))
    return pdf_render(
        template="assessments/pdf/certificate.html",
        context={
            "certificate": certificate,
            "verify_url": verify_url,
            "qr": certificate_qr_data_url(url=verify_url),
        },
    )
