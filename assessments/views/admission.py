"""Staff's admission pages: start a run; a run's decisions, its publication and the overrides."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from assessments.models import AdmissionRun, Decision, RunStatus
from assessments.permissions import staff_check
from assessments.selectors.admission import (
    admission_revision_list,
    admission_run_counts,
    admission_run_list,
    admission_run_recent,
    admission_warnings,
    decision_in_run,
    decisions_effective,
    line_open_texts,
    run_not_applicable,
    run_open_texts,
)
from assessments.services.admission import admission_run_start
from assessments.services.admission_publish import admission_run_publish, decision_override_add
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
        {
            "seasons": pick.seasons,
            "season": pick.season,
            "tracks": Track.choices,
            "runs": admission_run_recent(),
            "warnings": admission_warnings(season=pick.season) if pick.season else [],
        },
        status=status,
    )


def _confirmed(request) -> None:
    if request.POST.get("confirm") != "on":
        raise ValidationError({"confirm": _("Tick the box to confirm.")})


@login_required
def admission_publish_page(request, run_id: int):
    """The confirmation step of publishing: GET shows what will be announced (the counts, the
    e-mails, what is still open); POST with the box ticked (and, for a provisional run, a reason)
    publishes."""
    staff_check(user=request.user)
    run = get_object_or_404(AdmissionRun.objects.select_related("season"), pk=run_id)
    status = 200
    if request.method == "POST":
        try:
            _confirmed(request)
            admission_run_publish(run=run, user=request.user, reason=request.POST.get("reason", ""))
        except ValidationError as error:
            messages_from(request, error)
            status = 400
        else:
            return redirect("assessments:admission-run", run.id)
    counts = admission_run_counts(run=run) if run.status == RunStatus.DONE else {}
    return render(
        request,
        "assessments/admission_publish.html",
        {"run": run, "counts": counts, "open_texts": run_open_texts(run=run)},
        status=status,
    )


def _decision_override(request, run: AdmissionRun) -> None:
    decision_id = form_id(request.POST.get("decision_id"))
    decision = decision_in_run(run=run, decision_id=decision_id) if decision_id else None
    if decision is None:
        raise ValidationError({"decision_id": _("There is no such decision in this run.")})
    if run.published_at is not None:
        # After publication an override changes what participants were told: confirmed explicitly.
        _confirmed(request)
    decision_override_add(
        decision=decision,
        value=request.POST.get("value", ""),
        justification=request.POST.get("justification", ""),
        user=request.user,
    )


@login_required
def admission_run_page(request, run_id: int):
    """GET: the run and, once done, its decisions, what was still open when it was made, and the
    revisions of the published list. POST: override one decision (the row's form)."""
    staff_check(user=request.user)
    run = get_object_or_404(AdmissionRun.objects.select_related("season"), pk=run_id)
    status = 200
    if request.method == "POST":
        try:
            _decision_override(request, run)
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
        row["open"] = line_open_texts(run=run, participant_id=row["participant_id"]) if run.open_lines else []
    return render(
        request,
        "assessments/admission_run.html",
        {
            "run": run,
            "rows": rows,
            "decisions": Decision.choices,
            "other_runs": admission_run_list(season_id=run.season_id),
            "open_texts": run_open_texts(run=run),
            "not_applicable": run_not_applicable(run=run),
            "revisions": admission_revision_list(run=run) if run.published_at else [],
        },
        status=status,
    )
