"""The season's interview results for staff: each interviewed participant's result (the experts'
recommendation, or staff's choice), the recommended level changes applied in bulk, and the
publication behind a confirmation step."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from assessments.models import InterviewResult
from assessments.permissions import staff_check
from assessments.selectors.interviews import interview_plan_of
from assessments.selectors.results import interview_results_counts, interview_results_list
from assessments.services.results import interview_levels_apply, interview_result_choose, interview_results_publish
from assessments.views.common import form_id, messages_from
from lms.errors import ConflictError
from lms.selectors import season_pick_for_staff


def _page_url(name: str, season_id: int) -> str:
    return f"{reverse(name)}?season={season_id}"


def _season(request):
    pick = season_pick_for_staff(chosen=request.POST.get("season") or request.GET.get("season"))
    if pick.unknown:
        messages.error(request, _("There is no such season; choose one from the list."))
    return pick


def _choose(request, season) -> None:
    participant_id = form_id(request.POST.get("participant"))
    if participant_id is None:
        raise ValidationError({"participant": [_("Only interviewed participants of the season have a result.")]})
    interview_result_choose(
        season_id=season.id, participant_id=participant_id, result=request.POST.get("result", ""), user=request.user
    )
    messages.success(request, _("The result is chosen."))


def _apply_levels(request, season) -> None:
    ids = [form_id(value) for value in request.POST.getlist("participant")]
    if None in ids:
        raise ValidationError({"participants": [_("Tick the level changes to apply.")]})
    count = interview_levels_apply(
        season_id=season.id, participant_ids=ids, reason=request.POST.get("reason", ""), user=request.user
    )
    messages.success(request, _("Levels changed: %(count)s.") % {"count": count})


@login_required
def interview_results_page(request):
    """GET: the results list. POST `choose`: one participant's result; `apply_levels`: the ticked
    recommended level changes with their reason."""
    staff_check(user=request.user)
    pick = _season(request)
    season, status = pick.season, 400 if pick.unknown else 200
    if request.method == "POST" and season is not None and not pick.unknown:
        try:
            (_apply_levels if "apply_levels" in request.POST else _choose)(request, season)
        except (ValidationError, ConflictError) as error:
            messages_from(request, error)
            status = 400
        else:
            return redirect(_page_url("assessments:interview-results", season.id))
    rows = interview_results_list(season_id=season.id) if season else []
    return render(
        request,
        "assessments/interview_results.html",
        {
            "seasons": pick.seasons,
            "season": season,
            "plan": interview_plan_of(season_id=season.id) if season else None,
            "rows": rows,
            "moves": [row for row in rows if row["recommended_level"] != row["level"]],
            "results": InterviewResult.choices,
        },
        status=status,
    )


@login_required
def interview_results_publish_page(request):
    """GET: what publishing would announce, in counts. POST: publish (once)."""
    staff_check(user=request.user)
    pick = _season(request)
    season = pick.season
    if season is None or pick.unknown:
        return redirect("assessments:interview-results")
    if request.method == "POST":
        try:
            count = interview_results_publish(season_id=season.id, user=request.user)
        except ConflictError as error:
            messages_from(request, error)
        else:
            messages.success(
                request, _("The interview results are published: %(count)s participants.") % {"count": count}
            )
        return redirect(_page_url("assessments:interview-results", season.id))
    rows = interview_results_list(season_id=season.id)
    return render(
        request,
        "assessments/interview_results_publish.html",
        {
            "season": season,
            "plan": interview_plan_of(season_id=season.id),
            "total": len(rows),
            "counts": interview_results_counts(rows=rows),
        },
    )
