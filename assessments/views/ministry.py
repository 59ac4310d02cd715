"""The ministry (FOIV) interviews on the site (issue 15 §2): a ministry's page (its slots and
candidates; its people and staff), one candidate's page (scores and the decision), staff's page of
pending decisions applied in waves, and the cabinet's booking forms."""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from assessments.models import MinistryVerdict
from assessments.permissions import is_staff, ministry_access_check, ministry_candidate_check, staff_check
from assessments.selectors.ministry import (
    ministries_visible_to,
    ministry_candidates,
    ministry_decision_of,
    ministry_decisions_pending,
    ministry_get,
    ministry_interview_get,
    ministry_interview_of,
    ministry_of_user,
    ministry_sheets_of,
    ministry_slot_get,
    ministry_slot_list,
)
from assessments.selectors.rubrics import rubric_for_host
from assessments.services.ministry import (
    ministry_book,
    ministry_decide,
    ministry_interview_cancel,
    ministry_sheet_submit,
    ministry_slot_create,
    ministry_slot_delete,
)
from assessments.services.ministry import ministry_wave_apply as wave_apply
from assessments.views.common import form_id, messages_from
from lms.errors import ConflictError
from lms.selectors import participant_current, participant_get, season_pick_for_staff


def _ministry_or_404(host_id: int):
    host = ministry_get(host_id=host_id)
    if host is None:
        raise Http404(_("There is no such ministry."))
    return host


@login_required
@require_GET
def own_ministry(request):
    """A ministry's person is taken to their body's interviews; staff to the pending decisions."""
    if is_staff(request.user):
        return redirect("assessments:ministry-decisions")
    host = ministry_of_user(user=request.user)
    if host is None:
        raise PermissionDenied(_("Only the people of a ministry or a state corporation hold these interviews."))
    return redirect("assessments:ministry-host", host.pk)


def _starts_at(raw: str) -> datetime:
    """A datetime-local field, read in the reader's zone (the page shows times in it too)."""
    try:
        value = datetime.fromisoformat((raw or "").strip())
    except ValueError as error:
        raise ValidationError({"starts_at": [_("Give the date and time the slot starts.")]}) from error
    return timezone.make_aware(value) if timezone.is_naive(value) else value


@login_required
def ministry_host_page(request, host_id: int):
    """GET: the ministry's slots and candidates of a season. POST: publish a slot."""
    host = _ministry_or_404(host_id)
    ministry_access_check(user=request.user, host=host)
    chosen = request.POST.get("season") if request.method == "POST" else request.GET.get("season")
    pick = season_pick_for_staff(chosen=chosen)
    status = 200
    if request.method == "POST":
        try:
            if pick.season is None or pick.unknown:
                raise ValidationError({"season": _("Choose a season from the list.")})
            ministry_slot_create(
                user=request.user,
                host=host,
                season=pick.season,
                starts_at=_starts_at(request.POST.get("starts_at", "")),
                duration_minutes=form_id(request.POST.get("duration_minutes")) or 0,
                meeting_url=request.POST.get("meeting_url", ""),
                room=request.POST.get("room", ""),
            )
        except (ValidationError, ConflictError) as error:
            messages_from(request, error)
            status = 400
        else:
            messages.success(request, _("The slot is published."))
            return redirect(f"{request.path}?season={pick.season.pk}")
    season = pick.season
    return render(
        request,
        "assessments/ministry_host.html",
        {
            "host": host,
            "seasons": pick.seasons,
            "season": season,
            "slots": ministry_slot_list(host_id=host.pk, season_id=season.pk) if season else [],
            "candidates": ministry_candidates(host_id=host.pk, season_id=season.pk) if season else [],
            "rubric": rubric_for_host(host_id=host.pk),
        },
        status=status,
    )


@login_required
@require_POST
def ministry_slot_remove(request, host_id: int, slot_id: int):
    host = _ministry_or_404(host_id)
    slot = ministry_slot_get(slot_id=slot_id)
    if slot is None or slot.host_id != host.pk:
        raise Http404(_("There is no such slot."))
    try:
        ministry_slot_delete(slot=slot, user=request.user)
    except ConflictError as error:
        messages_from(request, error)
    else:
        messages.success(request, _("The slot is removed."))
    return redirect(f"{reverse('assessments:ministry-host', args=[host.pk])}?season={slot.season_id}")


@login_required
def ministry_candidate_page(request, host_id: int, participant_id: int):
    """GET: a candidate of the ministry — their interview, the sheets, the decision, a link to the
    CV. POST (the ministry's people): `action=score` submits one's sheet, `action=decide` the decision."""
    host = _ministry_or_404(host_id)
    participant = participant_get(participant_id=participant_id)
    if participant is None:
        raise Http404(_("There is no such participant."))
    ministry_candidate_check(user=request.user, host=host, participant=participant)
    interview = ministry_interview_of(host_id=host.pk, participant_id=participant.pk)
    rubric = rubric_for_host(host_id=host.pk)
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "score":
                if interview is None:
                    raise ValidationError({"interview": _("The candidate has not booked an interview.")})
                scores = {key: form_id(request.POST.get(f"rubric-{key}")) for key in rubric.keys}
                ministry_sheet_submit(
                    interview=interview, user=request.user, scores=scores, comment=request.POST.get("comment", "")
                )
                messages.success(request, _("Your scores are saved."))
            else:
                ministry_decide(
                    host=host,
                    participant=participant,
                    user=request.user,
                    verdict=request.POST.get("verdict", ""),
                    comment=request.POST.get("comment", ""),
                )
                messages.success(request, _("The decision is saved. The participant sees it once staff apply it."))
        except (ValidationError, ConflictError) as error:
            messages_from(request, error)
            status = 400
        else:
            return redirect(request.path)
    sheets = ministry_sheets_of(interview=interview) if interview else []
    own = next((sheet for sheet in sheets if sheet.scorer_id == request.user.pk), None)
    return render(
        request,
        "assessments/ministry_candidate.html",
        {
            "host": host,
            "participant": participant,
            "interview": interview,
            "sheets": sheets,
            "rubric": rubric,
            "criteria": [(c, (own.rubric.get(c.key) if own else None)) for c in rubric.criteria],
            "scores": range(rubric.max_score + 1),
            "decision": ministry_decision_of(host_id=host.pk, participant_id=participant.pk),
            "verdicts": MinistryVerdict.choices,
            "may_score": ministry_of_user(user=request.user) == host,
        },
        status=status,
    )


@login_required
def ministry_decisions_page(request):
    """Staff: the season's pending ministry decisions per ministry. POST: apply the ticked ones as a wave."""
    staff_check(user=request.user)
    chosen = request.POST.get("season") if request.method == "POST" else request.GET.get("season")
    pick = season_pick_for_staff(chosen=chosen)
    status = 200
    if request.method == "POST":
        try:
            if pick.season is None or pick.unknown:
                raise ValidationError({"season": _("Choose a season from the list.")})
            ids = [form_id(raw) for raw in request.POST.getlist("decision")]
            if None in ids:
                raise ValidationError(
                    {"decisions": _("Some of the chosen decisions are not pending decisions of this season; reload.")}
                )
            wave = wave_apply(season=pick.season, user=request.user, decision_ids=ids)
        except ValidationError as error:
            messages_from(request, error)
            status = 400
        else:
            messages.success(
                request,
                _("%(count)s decisions are applied: the participants see them now.")
                % {"count": wave.decisions.count()},
            )
            return redirect(f"{request.path}?season={pick.season.pk}")
    groups = ministry_decisions_pending(season_id=pick.season.pk) if pick.season else []
    return render(
        request,
        "assessments/ministry_decisions.html",
        {
            "seasons": pick.seasons,
            "season": pick.season,
            "groups": groups,
            "ministries": ministries_visible_to(user=request.user),
        },
        status=status,
    )


def _participant_or_403(request):
    participant = participant_current(user=request.user)
    if participant is None:
        raise PermissionDenied(_("You are not a participant of a season."))
    return participant


@login_required
@require_POST
def ministry_book_view(request):
    """The cabinet's booking form for a ministry's slot."""
    participant = _participant_or_403(request)
    slot = ministry_slot_get(slot_id=form_id(request.POST.get("slot")) or 0)
    try:
        if slot is None:
            raise ValidationError({"slot": _("This slot cannot be booked.")})
        ministry_book(participant=participant, user=request.user, slot=slot)
    except (ValidationError, ConflictError) as error:
        messages_from(request, error)
    else:
        messages.success(request, _("Your interview with the ministry is booked."))
    return redirect("cabinet")


@login_required
@require_POST
def ministry_cancel_view(request, interview_id: int):
    interview = ministry_interview_get(interview_id=interview_id)
    if interview is None:
        raise Http404(_("There is no such interview."))
    try:
        ministry_interview_cancel(interview=interview, user=request.user)
    except ValidationError as error:
        messages_from(request, error)
    else:
        messages.success(request, _("Your interview with the ministry is cancelled."))
    return redirect("cabinet")
