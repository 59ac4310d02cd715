"""The internship pages (issue 15 §4): the intern's own page with the weekly log; a host body's
interns, each with the supervisor (one of the body's people or an external person), the plan,
the weeks' attendance and the final feedback form; staff's list with counts and filters by state,
making internships of the settled placements, and a detail page where staff reopen a feedback."""

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
    internship_feedback_give,
    internship_feedback_reopen,
    internship_log_save,
    internship_plan_update,
    internship_supervisor_set,
    internship_week_confirm,
    internships_create_confirmed,
)
from assessments.views.common import messages_from
from lms.errors import ConflictError
from lms.hosts.selectors import host_members, host_of_user
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


def _date(raw: str | None, field: str = "starts_on") -> date | None:
    try:
        return date.fromisoformat((raw or "").strip()) if raw else None
    except ValueError:
        raise ValidationError({field: _("Enter the dates as YYYY-MM-DD.")}) from None


def _user_id(raw: str | None) -> int | None:
    try:
        return int(raw) if raw else None
    except ValueError:
        raise ValidationError({"supervisor_user": _("Choose one of the host body's people.")}) from None


@login_required
def internship_host(request, internship_id: int):
    """One intern of the body: supervisor (a select of the body's people, or an external person),
    dates and plan (forms), the weeks' attendance (a form per week), final feedback (the rubric's
    form, once the last days have come; read-only after)."""
    host = _own_host(request)
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
                    plan=request.POST.get("plan", ""),
                    starts_on=_date(request.POST.get("starts_on")),
                    ends_on=_date(request.POST.get("ends_on")),
                )
            elif action == "supervisor":
                internship_supervisor_set(
                    internship=internship,
                    user=request.user,
                    supervisor_user_id=_user_id(request.POST.get("supervisor_user")),
                    name=request.POST.get("supervisor_name", ""),
                    email=request.POST.get("supervisor_email", ""),
                )
            elif action == "week":
                week = _date(request.POST.get("week"), "week")
                if week is None:
                    raise ValidationError({"week": _("Choose a week.")})
                internship_week_confirm(
                    internship=internship,
                    user=request.user,
                    week=week,
                    status=request.POST.get("status", ""),
                    note=request.POST.get("note", ""),
                )
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
        "members": host_members(host=host),
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
    """One internship for staff (cancelled ones too, with the reason); POST: reopen its feedback
    with a reason."""
    staff_check(user=request.user)
    internship = internship_get(internship_id=internship_id)
    if internship is None:
        raise Http404(_("There is no such internship."))
    status = 200
    if request.method == "POST":
        try:
            internship_feedback_reopen(internship=internship, user=request.user, reason=request.POST.get("reason", ""))
        except (ValidationError, ConflictError) as error:
            messages_from(request, error)
            status = 400
        else:
            messages.success(request, _("The feedback is reopened; the host's people are told why."))
            return redirect("assessments:internship-staff", internship.pk)
    context = {"row": internship_detail(internship=internship)}
    return render(request, "assessments/internship_staff.html", context, status=status)
