"""The placement pages (issue 15 §3): staff start a run, read the runs and one run's table, publish
it and move a participant; a host body's people confirm or decline its placements; a participant
declines theirs from the cabinet."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments.models import RunStatus
from assessments.permissions import staff_check
from assessments.selectors.placement import (
    placement_host_lines,
    placement_run_get,
    placement_run_list,
    placement_run_table,
)
from assessments.services.placement import (
    placement_host_decide,
    placement_move,
    placement_participant_decline,
    placement_run_publish,
    placement_run_start,
)
from assessments.views.common import form_id, messages_from
from lms.errors import ConflictError
from lms.hosts.selectors import host_of_user, offers_of_season
from lms.selectors import participant_current, season_pick_for_staff


@login_required
def placement_home(request):
    """GET: the form to start a run and the season's runs. POST: start a run."""
    staff_check(user=request.user)
    chosen = request.POST.get("season") if request.method == "POST" else request.GET.get("season")
    pick = season_pick_for_staff(chosen=chosen)
    status = 200
    if request.method == "POST":
        try:
            if not chosen or pick.unknown:
                raise ValidationError({"season": _("Choose a season from the list.")})
            run = placement_run_start(season=pick.season, user=request.user)
        except ValidationError as error:
            messages_from(request, error)
            status = 400
        else:
            return redirect("assessments:placement-run", run.id)
    runs = placement_run_list(season_id=pick.season.pk) if pick.season else []
    return render(
        request,
        "assessments/placement_home.html",
        {"seasons": pick.seasons, "season": pick.season, "runs": runs},
        status=status,
    )


@login_required
def placement_run_page(request, run_id: int):
    """GET: the run and, once done, its table. POST with the box ticked: publish it."""
    staff_check(user=request.user)
    run = placement_run_get(run_id=run_id)
    if run is None:
        raise Http404(_("There is no such placement run."))
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("confirm") != "on":
                raise ValidationError({"confirm": _("Tick the box to confirm.")})
            placement_run_publish(run=run, user=request.user)
        except ValidationError as error:
            messages_from(request, error)
            status = 400
        else:
            return redirect("assessments:placement-run", run.id)
    return _run_page(request, run, status=status)


def _run_page(request, run, *, status: int = 200, move: dict | None = None):
    rows = placement_run_table(run=run) if run.status == RunStatus.DONE else []
    offers = offers_of_season(season_id=run.season_id, active_hosts_only=True) if rows else []
    context = {"run": run, "rows": rows, "offers": offers, "move": move or {}}
    return render(request, "assessments/placement_run.html", context, status=status)


@require_POST
@login_required
def placement_move_view(request, run_id: int):
    """POST: staff move a participant of the run's season to another offer with a written reason
    (a fixed placement in later runs); refused input shows the run's page again with why (400)."""
    staff_check(user=request.user)
    run = placement_run_get(run_id=run_id)
    if run is None:
        raise Http404(_("There is no such placement run."))
    participant_id, offer_id = form_id(request.POST.get("participant")), form_id(request.POST.get("offer"))
    reason = request.POST.get("reason", "")
    try:
        if participant_id is None or offer_id is None:
            raise ValidationError({"participant": _("Choose a participant and an offer from the lists.")})
        placement_move(run=run, participant_id=participant_id, offer_id=offer_id, reason=reason, user=request.user)
    except (ValidationError, ConflictError) as error:
        messages_from(request, error)
        return _run_page(request, run, status=400, move={"participant": participant_id, "reason": reason})
    messages.success(request, _("The participant is moved: the next run keeps this placement."))
    return redirect("assessments:placement-run", run.id)


@login_required
def placement_host_page(request):
    """A host body's people: the participants placed on its offers in the latest published run,
    each to confirm or decline (with a reason). POST: one decision."""
    host = host_of_user(user=request.user)
    if host is None:
        raise PermissionDenied(_("Only the people of a host body confirm its placements."))
    run, rows = placement_host_lines(host_id=host.pk)
    status = 200
    if request.method == "POST":
        participant_id = form_id(request.POST.get("participant"))
        action = request.POST.get("action")
        try:
            if run is None or participant_id is None or action not in ("confirm", "decline"):
                raise ValidationError({"participant": _("Choose a placement from the list and confirm or decline it.")})
            placement_host_decide(
                run=run,
                participant_id=participant_id,
                confirm=action == "confirm",
                reason=request.POST.get("reason", ""),
                user=request.user,
            )
        except (ValidationError, ConflictError) as error:
            messages_from(request, error)
            status = 400
        else:
            messages.success(request, _("Your decision is recorded."))
            return redirect("assessments:placement-host")
    return render(request, "assessments/placement_host.html", {"host": host, "run": run, "rows": rows}, status=status)


@require_POST
@login_required
def placement_decline_view(request):
    """POST from the cabinet, with the box ticked: the participant declines their placement."""
    participant = participant_current(user=request.user)
    if participant is None:
        raise PermissionDenied(_("Only participants have a placement."))
    try:
        if request.POST.get("confirm") != "on":
            raise ValidationError({"confirm": _("Tick the box to confirm that you decline the placement.")})
        placement_participant_decline(participant=participant, user=request.user, reason=request.POST.get("reason", ""))
    except (ValidationError, ConflictError) as error:
        messages_from(request, error)
    else:
        messages.success(request, _("You declined the placement. The seat goes back into the next run."))
    return redirect("cabinet")
