"""The interviews' own staff page: a season's interview variant, booking cut-off and discussion
threshold, the interviews whose experts disagree by more than it, and the bookings ahead, which
staff may cancel (with a confirmation and a reason)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.permissions import staff_check
from assessments.selectors.interviews import (
    candidates_for_discussion,
    interview_for_sheet,
    interview_plan_of,
    interviews_booked_for_staff,
)
from assessments.selectors.panels import meeting_list_for_staff
from assessments.services.interviews import interview_cancel_by_staff, interview_plan_update
from assessments.views.common import form_id, messages_from
from lms.selectors import season_pick_for_staff


def _page_url(season_id: int) -> str:
    return f"{reverse('assessments:interviews-staff')}?season={season_id}"


def _variant(plan) -> str:
    if plan.offers_online and plan.offers_offline:
        return "both"
    return "online" if plan.offers_online else "offline"


@login_required
def interviews_staff_page(request):
    """GET: the season's interview settings and the interviews flagged for discussion. POST: save
    the variant, cut-off and threshold."""
    staff_check(user=request.user)
    pick = season_pick_for_staff(chosen=request.POST.get("season") or request.GET.get("season"))
    season, status = pick.season, 200
    if pick.unknown:
        messages.error(request, _("There is no such season; choose one from the list."))
        status = 400
    if request.method == "POST" and season is not None and not pick.unknown:
        hours = form_id(request.POST.get("cancel_cutoff_hours"))
        # A form without the field (an older page) keeps the season's threshold.
        threshold = request.POST.get("discussion_threshold")
        try:
            if hours is None:
                raise ValidationError({"cancel_cutoff_hours": [_("Enter a whole number of hours.")]})
            if threshold is not None and form_id(threshold) is None:
                raise ValidationError({"discussion_threshold": [_("Enter a whole number of percentage points.")]})
            interview_plan_update(
                season_id=season.id,
                variant=request.POST.get("variant", ""),
                cancel_cutoff_hours=hours,
                discussion_threshold=None if threshold is None else form_id(threshold),
                user=request.user,
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            status = 400
        else:
            messages.success(request, _("The interview settings are saved."))
            return redirect(_page_url(season.id))
    plan = interview_plan_of(season_id=season.id) if season else None
    query = request.GET.get("q", "")
    bookings, more = (
        interviews_booked_for_staff(season_id=season.id, query=query, now=timezone.now()) if season else ([], False)
    )
    return render(
        request,
        "assessments/interviews_staff.html",
        {
            "seasons": pick.seasons,
            "season": season,
            "plan": plan,
            "variant": _variant(plan) if plan else "online",
            "discussion": candidates_for_discussion(season_id=season.id) if season else [],
            "meetings": meeting_list_for_staff(season_id=season.id) if season else [],
            "query": query,
            "bookings": bookings,
            "more_bookings": more,
            "variants": [
                ("online", _("Online interviews with the experts' slots")),
                ("offline", _("Offline district meetings")),
                ("both", _("Both")),
            ],
        },
        status=status,
    )


@login_required
def interview_staff_cancel_page(request, interview_id: int):
    """GET: what cancelling this booking means, and a field for the reason. POST: cancel it."""
    staff_check(user=request.user)
    interview = interview_for_sheet(interview_id=interview_id)
    if interview is None:
        raise Http404(_("There is no such interview."))
    status = 200
    if request.method == "POST":
        try:
            interview_cancel_by_staff(interview=interview, user=request.user, reason=request.POST.get("reason", ""))
        except ValidationError as error:
            messages_from(request, error)
            status = 400
        else:
            messages.success(request, _("The booking is cancelled; the participant and the expert are told by e-mail."))
            return redirect(_page_url(interview.season_id))
    return render(
        request,
        "assessments/interview_staff_cancel.html",
        {"interview": interview, "reason": request.POST.get("reason", ""), "back": _page_url(interview.season_id)},
        status=status,
    )
