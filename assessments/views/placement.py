"""Staff's placement pages (issue 15 §3): start a run, the runs, one run's table, publish it."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from assessments.models import RunStatus
from assessments.permissions import staff_check
from assessments.selectors.placement import placement_run_get, placement_run_list, placement_run_table
from assessments.services.placement import placement_run_publish, placement_run_start
from assessments.views.common import messages_from
from lms.selectors import season_pick_for_staff


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
    rows = placement_run_table(run=run) if run.status == RunStatus.DONE else []
    return render(request, "assessments/placement_run.html", {"run": run, "rows": rows}, status=status)
