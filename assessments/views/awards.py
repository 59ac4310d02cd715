"""The closing of a season on the site: staff give and withdraw awards, issue and revoke
certificates; a participant downloads their own certificates' PDFs; anyone checks a certificate by
its code (the QR code on the PDF leads there), with no login."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from assessments.models import AwardKind
from assessments.permissions import staff_check
from assessments.selectors.awards import (
    award_rows,
    certificate_batch_open,
    certificate_by_code,
    certificate_counts,
    certificate_get,
    certificate_list,
    certificate_of_user,
    certificates_due,
)
from assessments.services.awards import award_change, certificate_pdf, certificate_revoke, certificates_issue
from assessments.views.common import form_id, messages_from
from lms.errors import ConflictError
from lms.selectors import participant_ids_matching, participant_list, season_pick_for_staff

# The awards page lists at most this many participants to give an award to; a search narrows them.
PEOPLE_SHOWN = 50


def _season(request):
    pick = season_pick_for_staff(chosen=request.POST.get("season") or request.GET.get("season"))
    if pick.unknown:
        messages.error(request, _("There is no such season; choose one from the list."))
    return pick


def _page_url(name: str, season_id: int) -> str:
    return f"{reverse(name)}?season={season_id}"


def verify_url(request, code: str) -> str:
    return request.build_absolute_uri(reverse("assessments:certificate-verify", args=[code]))


def _award_post(request, season) -> None:
    participant_id = form_id(request.POST.get("participant"))
    if participant_id is None or not participant_list(season=season).filter(pk=participant_id).exists():
        raise ValidationError({"participant": [_("Awards go to participants of the season.")]})
    grant = "withdraw" not in request.POST
    change = award_change(
        participant_id=participant_id,
        kind=request.POST.get("kind", ""),
        grant=grant,
        note=request.POST.get("note", ""),
        actor=request.user,
    )
    if change is None:
        messages.info(request, _("Nothing changed: the award already stood so."))
    else:
        messages.success(request, _("The award is given.") if grant else _("The award is withdrawn."))


@login_required
def awards_page(request):
    """GET: the season's awards and the participants to give one to (a search by name, login or
    e-mail narrows them). POST: give an award (participant, kind, note) or withdraw one (`withdraw`,
    with the reason in `note`)."""
    staff_check(user=request.user)
    pick = _season(request)
    season, status = pick.season, 400 if pick.unknown else 200
    if request.method == "POST" and season is not None and not pick.unknown:
        try:
            _award_post(request, season)
        except (ValidationError, ConflictError) as error:
            messages_from(request, error)
            status = 400
        else:
            return redirect(_page_url("assessments:awards", season.id))
    query = (request.GET.get("q") or "").strip()[:100]
    people, total = [], 0
    if season is not None:
        participants = participant_list(season=season)
        if query and "\x00" not in query:
            participants = participants.filter(pk__in=participant_ids_matching(season_id=season.id, query=query))
        total = participants.count()
        people = [
            {"id": participant.id, "name": participant.application.full_name}
            for participant in participants[:PEOPLE_SHOWN]
        ]
    return render(
        request,
        "assessments/awards.html",
        {
            "seasons": pick.seasons,
            "season": season,
            "awards": award_rows(season_id=season.id) if season else [],
            "people": people,
            "total": total,
            "query": query,
            "kinds": AwardKind.choices,
        },
        status=status,
    )


@login_required
def certificates_page(request):
    """GET: per kind, how many certificates are due and issued, and the issued ones. POST: issue
    the missing ones (idempotent; a big season is queued for the worker)."""
    staff_check(user=request.user)
    pick = _season(request)
    season = pick.season
    if request.method == "POST" and season is not None and not pick.unknown:
        issued, batch = certificates_issue(season=season, actor=request.user)
        if batch is not None:
            messages.info(request, _("Many certificates are due: they are being issued in the background."))
        elif issued:
            messages.success(request, _("Certificates issued: %(count)s.") % {"count": issued})
        else:
            messages.info(request, _("Every certificate due is issued already."))
        return redirect(_page_url("assessments:certificates", season.id))
    due = certificates_due(season=season) if season else []
    return render(
        request,
        "assessments/certificates.html",
        {
            "seasons": pick.seasons,
            "season": season,
            "counts": certificate_counts(due=due),
            "missing": sum(row.certificate_id is None for row in due),
            "certificates": certificate_list(season_id=season.id) if season else [],
            "batch": certificate_batch_open(season_id=season.id) if season else None,
        },
        status=400 if pick.unknown else 200,
    )


@login_required
def certificate_revoke_page(request, certificate_id: int):
    """GET: the confirmation with the reason to give. POST: revoke."""
    staff_check(user=request.user)
    certificate = certificate_get(certificate_id=certificate_id)
    if certificate is None:
        raise Http404
    status = 200
    if request.method == "POST":
        try:
            certificate_revoke(certificate=certificate, reason=request.POST.get("reason", ""), actor=request.user)
        except (ValidationError, ConflictError) as error:
            messages_from(request, error)
            status = 400
        else:
            messages.success(request, _("The certificate is revoked."))
            return redirect(_page_url("assessments:certificates", certificate.season_id))
    return render(request, "assessments/certificate_revoke.html", {"certificate": certificate}, status=status)


@require_GET
@login_required
def certificate_download(request, certificate_id: int):
    """One's own certificate as a PDF; another's, a revoked one or none is a 404 (whether it
    exists is not told)."""
    certificate = certificate_of_user(user_id=request.user.pk, certificate_id=certificate_id)
    if certificate is None or certificate.revoked:
        raise Http404
    content = certificate_pdf(certificate=certificate, verify_url=verify_url(request, certificate.code))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def certificate_verify(request, code: str):
    """The public check of a certificate: the holder's name, what it attests, the season and the
    day it was issued, nothing else of the person; a revoked one says so (and shows no name); an
    unknown or malformed code is a 404 page that says so."""
    certificate = certificate_by_code(code=code)
    if certificate is None:
        response = render(request, "assessments/certificate_unknown.html", status=404)
    else:
        response = render(request, "assessments/certificate_verify.html", {"certificate": certificate})
    # The page names a person: no search engine keeps it, no shared cache holds it.
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    return response
