"""The internship pages (issue 15 §4): the intern's own page with the weekly log; a host body's
interns, each with the supervisor and plan, the attendance and the final feedback form; staff's
list with counts and filters by state, making internships of the settled placements, and a
detail page."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from assessments.permissions import internship_host_check, staff_check
from assessments.selectors.internships import (
    STATES,
    internship_counts,
    internship_detail,
    internship_get,
    internship_list,
    internship_of_participant,
    internships_of_host,
)
from assessments.selectors.rubrics import rubric_for_host
from assessments.services.internships import (
    internship_attendance_confirm,
    internship_feedback_give,
    internship_log_save,
    internship_plan_update,
    internships_create_confirmed,
)
from assessments.views.common import messages_from
from lms.errors import ConflictError
from lms.hosts.selectors import host_of_user
from lms.selectors import participant_current, season_pick_for_staff


@login_required
def internship_mine(request):
    """The intern's internship: dates, host, supervisor, plan, state, the log; POST: this week's entry."""
    participant = participant_current(user=request.user)
    if participant is None:
        raise PermissionDenied(_("Only participants have an internship."))
    internship = internship_of_participant(participant=participant)
    status = 200
    if request.method == "POST":
        try:
            if internship is None:
                raise ValidationError({"text": _("You have no internship yet.")})
            internship_log_save(internship=internship, user=request.user, text=request.POST.get("text", ""))
        except ValidationError as error:
            messages_from(request, error)
            status = 400
        else:
            messages.success(request, _("This week's entry is saved."))
            return redirect("assessments:internship-mine")
    row = internship_detail(internship=internship) if internship else None
    return render(request, "assessments/internship_mine.html", {"row": row}, status=status)


def _own_host(request):
    host = host_of_user(user=request.user)
    if host is None:
        raise PermissionDenied(_("Only the people of a host body see its interns."))
    return host


@login_required
def internships_host(request):
    """A host body's interns (its own only)."""
    host = _own_host(request)
    return render(
        request, "assessments/internships_host.html", {"host": host, "rows": internships_of_host(host_id=host.pk)}
    )


def _date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip()) if raw else None
    except ValueError:
        raise ValidationError({"starts_on": _("Enter the dates as YYYY-MM-DD.")}) from None


@login_required
def internship_host(request, internship_id: int):
    """One intern of the body: supervisor and plan (form), attendance (button), final feedback
    (the rubric's form, once the last days have come; read-only after)."""
    _own_host(request)
    internship = internship_get(internship_id=internship_id)
    if internship is None:
        raise Http404(_("There is no such internship."))
    internship_host_check(user=request.user, internship=internship)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "plan":
                internship_plan_update(
                    internship=internship,
                    user=request.user,
                    supervisor_name=request.POST.get("supervisor_name", ""),
                    supervisor_email=request.POST.get("supervisor_email", ""),
                    plan=request.POST.get("plan", ""),
                    starts_on=_date(request.POST.get("starts_on")),
                    ends_on=_date(request.POST.get("ends_on")),
                )
            elif action == "attendance":
                internship_attendance_confirm(internship=internship, user=request.user)
            elif action == "feedback":
                scores = {key[6:]: value for key, value in request.POST.items() if key.startswith("score-")}
                internship_feedback_give(
                    internship=internship, user=request.user, scores=scores, comment=request.POST.get("comment", "")
                )
            else:
                raise ValidationError({"action": _("Choose what to save.")})
        except (ValidationError, ConflictError) as error:
            messages_from(request, error)
            status = 400
            internship = internship_get(internship_id=internship_id)
        else:
            messages.success(request, _("Saved."))
            return redirect("assessments:internship-host", internship.pk)
    context = {
        "row": internship_detail(internship=internship),
        "rubric": rubric_for_host(host_id=internship.offer.host_id),
        "posted": request.POST if status == 400 else {},
    }
    return render(request, "assessments/internship_host.html", context, status=status)


@login_required
def internships_staff(request):
    """GET: the season's internships with counts by state, filtered by state. POST: make the
    internships of the settled placements."""
    staff_check(user=request.user)
    chosen = request.POST.get("season") if request.method == "POST" else request.GET.get("season")
    pick = season_pick_for_staff(chosen=chosen)
    status = 200
    if request.method == "POST":
        try:
            if pick.season is None or pick.unknown:
                raise ValidationError({"season": _("Choose a season from the list.")})
            made = internships_create_confirmed(season=pick.season, user=request.user)
        except ValidationError as error:
            messages_from(request, error)
            status = 400
        else:
            messages.success(request, _("Internships made: %(n)s.") % {"n": made})
            return redirect(f"{request.path}?season={pick.season.pk}")
    state = request.GET.get("state") if request.GET.get("state") in STATES else ""
    season_id = pick.season.pk if pick.season else None
    context = {
        "seasons": pick.seasons,
        "season": pick.season,
        "state": state,
        "states": [(key, label, 0) for key, label in STATES.items()],
        "rows": internship_list(season_id=season_id, state=state or None) if season_id else [],
    }
    if season_id:
        counts = internship_counts(season_id=season_id)
        context["states"] = [(key, label, counts[key]) for key, label in STATES.items()]
    return render(request, "assessments/internships_staff.html", context, status=status)


@login_required
def internship_staff(request, internship_id: int):
    staff_check(user=request.user)
    internship = internship_get(internship_id=internship_id)
    if internship is None:
        raise Http404(_("There is no such internship."))
    return render(request, "assessments/internship_staff.html", {"row": internship_detail(internship=internship)})
