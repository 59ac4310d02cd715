"""Staff's admission pages: start a run; a run's decisions, its publication and the overrides."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from assessments.models import AdmissionRun, Decision, RunStatus
from assessments.permissions import staff_check
from assessments.selectors.admission import (
    admission_run_list,
    admission_run_recent,
    decision_in_run,
    decisions_effective,
)
from assessments.services.admission import admission_run_publish, admission_run_start, decision_override_add
from assessments.views.common import form_id, messages_from
from lms.choices import Track
from lms.regions import FederalDistrict
from lms.selectors import season_pick_for_staff


@login_required
def admission_home(request):
    """GET: the form to start a run (the staff pages' default season chosen) and the recent runs.
    POST: start a run."""
    staff_check(user=request.user)
    chosen = request.POST.get("season") if request.method == "POST" else request.GET.get("season")
    pick = season_pick_for_staff(chosen=chosen)
    status = 200
    if request.method == "POST":
        try:
            # The form offers the list: a missing or unknown season is no default to fall back on.
            if not chosen or pick.unknown:
                raise ValidationError({"season": _("Choose a season from the list.")})
            run = admission_run_start(season=pick.season, track=request.POST.get("track", ""), user=request.user)
        except ValidationError as error:
            messages_from(request, error)
            status = 400
        else:
            return redirect("assessments:admission-run", run.id)
    return render(
        request,
        "assessments/admission_home.html",
        {"seasons": pick.seasons, "season": pick.season, "tracks": Track.choices, "runs": admission_run_recent()},
        status=status,
    )


def _run_publish(request, run: AdmissionRun) -> None:
    # The page itself shows the publication: no flash message needed.
    admission_run_publish(run=run, user=request.user)


def _decision_override(request, run: AdmissionRun) -> None:
    decision_id = form_id(request.POST.get("decision_id"))
    decision = decision_in_run(run=run, decision_id=decision_id) if decision_id else None
    if decision is None:
        raise ValidationError({"decision_id": _("There is no such decision in this run.")})
    decision_override_add(
        decision=decision,
        value=request.POST.get("value", ""),
        justification=request.POST.get("justification", ""),
        user=request.user,
    )


@login_required
def admission_run_page(request, run_id: int):
    """GET: the run and, once done, its decisions. POST: publish (the "publish" button) or override
    one decision (the row's form)."""
    staff_check(user=request.user)
    run = get_object_or_404(AdmissionRun.objects.select_related("season"), pk=run_id)
    status = 200
    if request.method == "POST":
        operation = _run_publish if "publish" in request.POST else _decision_override
        try:
            operation(request, run)
        except ValidationError as error:
            messages_from(request, error)
            status = 400
            run.refresh_from_db()
        else:
            return redirect("assessments:admission-run", run.id)
    rows = decisions_effective(run=run, user=request.user) if run.status == RunStatus.DONE else []
    labels, districts = dict(Decision.choices), dict(FederalDistrict.choices)
    for row in rows:
        row["decision_label"] = labels[row["decision"]]
        row["override_label"] = labels.get(row["override_value"] or "", "")
        row["district_label"] = districts.get(row["federal_district"], row["federal_district"])
    return render(
        request,
        "assessments/admission_run.html",
        {
            "run": run,
            "rows": rows,
            "decisions": Decision.choices,
            "other_runs": admission_run_list(season_id=run.season_id),
        },
        status=status,
    )
