"""The regional dossiers' outbox (issue 15 §5): staff prepare it (a dossier per region with
finalists, frozen), review it and send; the task e-mails each dossier once to its region's
youth-policy body, logging every attempt.

What is sent: one PDF of the region's dossier (a page per finalist: level, interview result,
ministries' decisions, placement, awards, internships) and each finalist's CV as the very PDF the
CV page makes (`lms.candidacy.documents.cv_pdf`, the version frozen in the snapshot). PDFs rather
than a spreadsheet: a youth-policy body files and prints them as documents, the CV keeps its one
standard layout ("справка-объективка"), and Cyrillic prints the same everywhere."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assessments import conf
from assessments.models import Dossier, DossierSending, DossierStatus
from assessments.permissions import staff_check
from assessments.selectors.dossiers import (
    dossier_contents,
    dossier_hash,
    dossier_outbox,
    dossier_readable,
)
from lms.candidacy.documents import cv_pdf, cv_pdf_filename
from lms.candidacy.selectors import cv_versions_by_id
from lms.errors import ConflictError
from lms.pdf import PDF_CONTENT_TYPE, pdf_render
from lms.regions import region_get
from lms.youthbodies.selectors import youth_body_addresses

# The states in which a dossier's contents may still change and it may be (re-)queued.
OPEN = (DossierStatus.DRAFT, DossierStatus.FAILED)


@transaction.atomic
def dossiers_prepare(*, season, actor: AbstractBaseUser) -> list[Dossier]:
    """Freeze the season's dossiers as they are now: one per region with finalists. A dossier not
    sent yet (draft or failed) takes the new contents; one queued or sent keeps its own (it is on
    its way or gone: nothing is sent twice). A draft whose region has no finalist any more goes."""
    staff_check(user=actor)
    contents = dossier_contents(season=season)
    now = timezone.now()
    existing = {d.region_code: d for d in Dossier.objects.select_for_update().filter(season=season)}
    prepared = []
    for region_code, content in sorted(contents.items()):
        dossier = existing.pop(region_code, None) or Dossier(season=season, region_code=region_code)
        if dossier.status not in OPEN:
            continue
        dossier.snapshot = content
        dossier.content_hash = dossier_hash(finalists=content["finalists"])
        dossier.finalists_count, dossier.left_out_count = len(content["finalists"]), len(content["left_out"])
        dossier.prepared_at, dossier.prepared_by = now, actor
        dossier.full_clean()
        dossier.save()
        prepared.append(dossier)
    for dossier in existing.values():
        if dossier.status == DossierStatus.DRAFT:
            dossier.delete()
        elif dossier.status == DossierStatus.FAILED:
            # Its sendings keep it; emptied, it can no longer be sent.
            dossier.snapshot, dossier.finalists_count, dossier.left_out_count = {"finalists": [], "left_out": []}, 0, 0
            dossier.content_hash = dossier_hash(finalists=[])
            dossier.save(update_fields=["snapshot", "finalists_count", "left_out_count", "content_hash"])
    return prepared


@transaction.atomic
def dossiers_send(*, season, actor: AbstractBaseUser, dossier_ids: list[int] | None = None) -> int:
    """Queue dossiers for sending: the named ones (each must be ready: not blocked, not empty, not
    queued or sent — 409 otherwise) or, without ids, every ready one. The task runs after the
    commit. Returns how many were queued."""
    staff_check(user=actor)
    rows = dossier_outbox(season_id=season.pk)
    if dossier_ids is not None:
        wanted = set(dossier_ids)
        rows = [row for row in rows if row.dossier.pk in wanted]
        if len(rows) != len(wanted):
            raise ConflictError(_("No such dossier in this season."))
        for row in rows:
            if row.blocked:
                raise ConflictError(
                    _("The dossier of %(region)s is blocked: the region has no youth-policy body with an address.")
                    % {"region": row.region}
                )
            if not row.sendable:
                raise ConflictError(
                    _("The dossier of %(region)s is sent or on its way already.") % {"region": row.region}
                )
    rows = [row for row in rows if row.sendable]
    from assessments.tasks import dossier_send_task

    queued = 0
    for row in rows:
        # Conditional: a dossier queued by someone else meanwhile is not queued twice.
        if Dossier.objects.filter(pk=row.dossier.pk, status__in=OPEN).update(
            status=DossierStatus.QUEUED, queued_at=timezone.now(), queued_by=actor
        ):
            dossier_send_task.delay_on_commit(row.dossier.pk)
            queued += 1
    return queued


def dossier_pdf(*, dossier: Dossier) -> bytes:
    """The dossier as a PDF, in Russian (the document's language, as the CV's)."""
    with translation.override("ru"):
        return pdf_render(
            template="assessments/pdf/dossier.html",
            context={
                "dossier": dossier,
                "region": region_get(dossier.region_code).name,
                **dossier_readable(dossier=dossier),
            },
        )


def _dossier_message(*, dossier: Dossier, recipients: list[str]) -> EmailMessage:
    with translation.override(settings.LANGUAGE_CODE):
        region = region_get(dossier.region_code).name
        message = EmailMessage(
            subject=_("Finalists of %(season)s from %(region)s") % {"season": dossier.season.name, "region": region},
            body=_(
                "Attached are the dossier of the finalists of %(season)s from %(region)s and their CVs. "
                "Check code (SHA-256): %(hash)s."
            )
            % {"season": dossier.season.name, "region": region, "hash": dossier.content_hash},
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=recipients,
        )
    message.attach(
        f"dossier-{dossier.season_id}-{dossier.region_code}.pdf", dossier_pdf(dossier=dossier), PDF_CONTENT_TYPE
    )
    finalists = dossier.snapshot.get("finalists", [])
    versions = cv_versions_by_id(version_ids=[f["cv_version_id"] for f in finalists if f.get("cv_version_id")])
    for version in versions.values():
        message.attach(cv_pdf_filename(version=version), cv_pdf(version=version), PDF_CONTENT_TYPE)
    return message


def dossier_deliver(*, dossier_id: int) -> bool:
    """Send one queued (or failed, on a retry) dossier; False when it is not to be sent by this
    call (sent already, or claimed by another task within the claim's time).

    The claim is a conditional UPDATE, so two tasks never both send it. Every attempt is logged
    (`DossierSending`); a failure marks the dossier failed with the error — shown in the outbox —
    releases the claim and raises, so the task retries (mail-server errors only) and the retry
    sends it. Not in one transaction: the log of a failed attempt must stay."""
    now = timezone.now()
    stale = now - timedelta(seconds=conf.email_claim_seconds())
    if not (
        Dossier.objects.filter(pk=dossier_id, status__in=(DossierStatus.QUEUED, DossierStatus.FAILED))
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale))
        .update(claimed_at=now, attempts=F("attempts") + 1)
    ):
        return False
    dossier = Dossier.objects.select_related("season").get(pk=dossier_id)
    recipients = youth_body_addresses(region_codes=[dossier.region_code]).get(dossier.region_code, [])
    sending = DossierSending.objects.create(
        dossier=dossier,
        attempt=dossier.attempts,
        recipients=recipients,
        content_hash=dossier.content_hash,
        started_at=now,
    )
    try:
        if not recipients:
            # The address was removed after queueing: nothing to retry until staff enter one.
            raise ValueError(_("The region has no youth-policy body with an address."))
        _dossier_message(dossier=dossier, recipients=recipients).send()
    except BaseException as error:
        text = f"{type(error).__name__}: {error}"[:2000]
        DossierSending.objects.filter(pk=sending.pk).update(
            outcome=DossierSending.Outcome.FAILED, error=text, finished_at=timezone.now()
        )
        Dossier.objects.filter(pk=dossier_id).update(status=DossierStatus.FAILED, claimed_at=None, last_error=text)
        if isinstance(error, ValueError):
            return False
        raise
    done = timezone.now()
    DossierSending.objects.filter(pk=sending.pk).update(outcome=DossierSending.Outcome.SENT, finished_at=done)
    Dossier.objects.filter(pk=dossier_id).update(
        status=DossierStatus.SENT, sent_at=done, claimed_at=None, last_error=""
    )
    return True


def dossiers_sweep(*, now=None) -> int:
    """Re-queue dossiers queued longer than the claim's time and not claimed since (a task lost
    with its broker message, or a dead worker's): the task's claim makes a second delivery
    harmless. Returns how many were re-queued."""
    from assessments.tasks import dossier_send_task

    stale = (now or timezone.now()) - timedelta(seconds=conf.email_claim_seconds())
    ids = list(
        Dossier.objects.filter(status=DossierStatus.QUEUED, queued_at__lt=stale)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale))
        .values_list("pk", flat=True)
    )
    for dossier_id in ids:
        dossier_send_task.delay_on_commit(dossier_id)
    return len(ids)
