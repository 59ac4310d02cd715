"""Staff's outbox of regional dossiers: prepare a season's dossiers, read one, send one or all
ready; each region's status (draft, queued, sent, failed with the error and the attempts)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from assessments.permissions import staff_check
from assessments.selectors.dossiers import dossier_get, dossier_outbox, dossier_readable
from assessments.services.dossiers import dossiers_prepare, dossiers_send
from assessments.views.common import form_id
from lms.errors import ConflictError
from lms.regions import region_get
from lms.selectors import season_pick_for_staff


def _outbox_url(season_id: int) -> str:
    return f"{reverse('assessments:dossiers')}?season={season_id}"


@login_required
def dossier_outbox_page(request):
    """GET: the season's outbox. POST `prepare`: freeze the dossiers as they are now; POST `send`
    (a dossier id) or `send_all`: queue them for sending."""
    staff_check(user=request.user)
    pick = season_pick_for_staff(chosen=request.POST.get("season") or request.GET.get("season"))
    season = pick.season
    if pick.unknown:
        messages.error(request, _("There is no such season; choose one from the list."))
    if request.method == "POST" and season is not None and not pick.unknown:
        if "prepare" in request.POST:
            prepared = dossiers_prepare(season=season, actor=request.user)
            messages.success(request, _("Dossiers prepared: %(count)s.") % {"count": len(prepared)})
            return redirect(_outbox_url(season.pk))
        dossier_id = form_id(request.POST.get("send"))
        try:
            queued = dossiers_send(
                season=season,
                actor=request.user,
                dossier_ids=None if "send_all" in request.POST else [dossier_id or 0],
            )
        except ConflictError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Dossiers queued for sending: %(count)s.") % {"count": queued})
            return redirect(_outbox_url(season.pk))
    rows = dossier_outbox(season_id=season.pk) if season else []
    status = 400 if pick.unknown or request.method == "POST" else 200
    return render(
        request,
        "assessments/dossiers.html",
        {
            "seasons": pick.seasons,
            "season": season,
            "rows": rows,
            "ready": sum(row.sendable for row in rows),
        },
        status=status,
    )


@login_required
@require_GET
def dossier_preview(request, dossier_id: int):
    """What the region will receive (the PDF's contents), the finalists left out for want of a
    consent, and the log of sendings."""
    staff_check(user=request.user)
    dossier = dossier_get(dossier_id=dossier_id)
    if dossier is None:
        raise Http404
    return render(
        request,
        "assessments/dossier.html",
        {
            "dossier": dossier,
            "region": region_get(dossier.region_code).name,
            "sendings": dossier.sendings.order_by("attempt"),
            **dossier_readable(dossier=dossier),
        },
    )
