"""Interviews on the site: a participant books or cancels (the forms live in the cabinet), an
expert scores with the self-presentation clock, staff read the candidates per direction."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments.models import Interview
from assessments.models.interviews import PRESENTATION_LIMIT_SECONDS, TOPICS
from assessments.permissions import is_staff, staff_check, staff_or_expert_check
from assessments.selectors.admission import decision_published_for
from assessments.selectors.completeness import participant_completeness
from assessments.selectors.interviews import (
    DIRECTIONS,
    candidates_with_earlier_seasons,
    interview_for_sheet,
    interview_list_for_expert,
    interview_sheet_of,
    meeting_get,
    slot_get,
)
from assessments.selectors.rubrics import rubric_default, rubric_for_season
from assessments.selectors.talent_pool import earlier_seasons_label
from assessments.services.interviews import (
    interview_book,
    interview_cancel,
    interview_expert_check,
    interview_sheet_draft_save,
    interview_sheet_submit,
    presentation_start,
    presentation_stop,
)
from assessments.views.common import form_id, messages_from, number_or_text
from lms.choices import Level
from lms.errors import ConflictError
from lms.regions import FederalDistrict
from lms.selectors import application_summary, participant_current, participant_get, season_pick_for_staff
from lms.views import cabinet


@login_required
def candidates_page(request):
    """Staff's list of candidates per direction with the experts' scores averaged, each one's earlier
    seasons marked, and downloads."""
    staff_check(user=request.user)
    pick = season_pick_for_staff(chosen=request.GET.get("season"))
    status = 200
    if pick.unknown:
        messages.error(request, _("There is no such season; choose one from the list."))
        status = 400
    season = pick.season
    directions = candidates_with_earlier_seasons(season_id=season.id) if season else {}
    rubric = rubric_for_season(season_id=season.id) if season else rubric_default()
    levels, districts = dict(Level.choices), dict(FederalDistrict.choices)
    sections = []
    for direction, title in DIRECTIONS.items():
        rows = directions.get(direction, [])
        for row in rows:
            row["level_label"] = levels[row["level"]]
            row["recommended_label"] = levels[row["recommended_level"]]
            row["district_label"] = districts.get(row["federal_district"], row["federal_district"])
            row["criteria_list"] = [(rubric.labels.get(name, name), value) for name, value in row["criteria"].items()]
            row["earlier_label"] = earlier_seasons_label(items=row["earlier_seasons"])
            # The pool's page shows the person's seasons only when one of them is in the pool.
            row["earlier_in_pool"] = any(item["in_pool"] for item in row["earlier_seasons"])
        sections.append({"key": direction, "title": title, "rows": rows})
    return render(
        request,
        "assessments/candidates.html",
        {"seasons": pick.seasons, "season": season, "sections": sections, "rubric_max": rubric.max_score},
        status=status,
    )


@login_required
@require_POST
def interview_book_view(request):
    """The cabinet's booking forms: a slot (online) or a selection meeting (in person)."""
    participant = participant_current(user=request.user)
    if participant is None:
        raise PermissionDenied(_("You are not a participant of a season."))
    slot = meeting = None
    if request.POST.get("slot"):
        slot = slot_get(slot_id=form_id(request.POST["slot"]))
        missing = slot is None and _("This interview slot does not exist (any more); choose another one.")
    else:
        meeting = meeting_get(meeting_id=form_id(request.POST.get("meeting")))
        missing = meeting is None and _("Choose an interview slot or a selection meeting from the list.")
    if missing:
        # The cabinet again, with the message, as the form's answer (the booking forms live there).
        messages.error(request, missing)
        response = cabinet(request)
        response.status_code = 400
        return response
    try:
        interview_book(participant=participant, user=request.user, slot=slot, meeting=meeting)
    except (ValidationError, ConflictError) as error:
        messages_from(request, error)
    return redirect("cabinet")


@login_required
@require_POST
def interview_cancel_view(request, interview_id: int):
    try:
        interview_cancel(interview=get_object_or_404(Interview, pk=interview_id), user=request.user)
    except ValidationError as error:
        messages_from(request, error)
    return redirect("cabinet")


@login_required
def expert_interview_list(request):
    staff_or_expert_check(user=request.user, message=_("Only experts score interviews."))
    interviews = interview_list_for_expert(user=request.user, is_staff=is_staff(request.user))
    return render(request, "assessments/expert_interviews.html", {"interviews": interviews})


def _minutes_seconds(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


def presentation_clock_texts(*, elapsed: int) -> dict:
    """The clock's templates for the script (the same words in both languages) and its first
    reading, so the page says where the presentation stands even without JavaScript."""
    texts = {
        "running": _("Elapsed %(elapsed)s, remaining %(remaining)s"),
        "overrun": _("Overrun by %(overrun)s (elapsed %(elapsed)s)"),
        "minutes_left": _("Minutes left: %(minutes)s"),
        "time_up": _("Time is up: the self-presentation runs over %(limit)s minutes.")
        % {"limit": PRESENTATION_LIMIT_SECONDS // 60},
    }
    elapsed = max(0, elapsed)
    over = elapsed - PRESENTATION_LIMIT_SECONDS
    if over > 0:
        reading = texts["overrun"] % {"overrun": _minutes_seconds(over), "elapsed": _minutes_seconds(elapsed)}
    else:
        reading = texts["running"] % {"elapsed": _minutes_seconds(elapsed), "remaining": _minutes_seconds(-over)}
    return {"texts": texts, "reading": reading, "overrun": over > 0}


def _entries(request, rubric) -> dict:
    """The sheet form's entries, as the services take them."""
    return {
        "topics": {name: f"topic_{name}" in request.POST for name in TOPICS},
        "rubric": {key: number_or_text(request.POST.get(f"rubric_{key}", "")) for key in rubric.keys},
        "comment": request.POST.get("comment", ""),
        "recommended_level": request.POST.get("recommended_level", ""),
    }


def _presentation_start(request, interview: Interview, rubric) -> None:
    # The timer buttons send the whole sheet: what the expert has entered is kept, not lost.
    interview_sheet_draft_save(interview=interview, expert=request.user, **_entries(request, rubric))
    presentation_start(interview=interview, expert=request.user)


def _presentation_stop(request, interview: Interview, rubric) -> None:
    interview_sheet_draft_save(interview=interview, expert=request.user, **_entries(request, rubric))
    presentation_stop(interview=interview, expert=request.user)


def _sheet_submit(request, interview: Interview, rubric) -> None:
    interview_sheet_submit(interview=interview, expert=request.user, **_entries(request, rubric))


@login_required
def expert_sheet_page(request, interview_id: int):
    """GET: the expert's sheet with the clock and what the candidate wrote. POST: start or stop the
    clock (their buttons keep the entries), or submit the sheet."""
    interview = interview_for_sheet(interview_id=interview_id)
    if interview is None:
        raise Http404
    interview_expert_check(interview=interview, user=request.user)
    rubric = rubric_for_season(season_id=interview.season_id)
    if request.method == "POST":
        if "start" in request.POST:
            operation = _presentation_start
        else:
            operation = _presentation_stop if "stop" in request.POST else _sheet_submit
        try:
            operation(request, interview, rubric)
        except ValidationError as error:
            messages_from(request, error)
        return redirect("assessments:expert-sheet", interview.id)
    sheet = interview_sheet_of(interview=interview, expert=request.user)
    clock = None
    if sheet and sheet.presentation_started_at and sheet.presentation_seconds is None:
        now = timezone.now()
        clock = {
            # Epoch milliseconds: the script counts from the server's start and the server's now.
            "started_ms": int(sheet.presentation_started_at.timestamp() * 1000),
            "now_ms": int(now.timestamp() * 1000),
            "limit": PRESENTATION_LIMIT_SECONDS,
            **presentation_clock_texts(elapsed=int((now - sheet.presentation_started_at).total_seconds())),
        }
    participant = participant_get(participant_id=interview.participant_id)
    scores = range(rubric.max_score + 1)
    return render(
        request,
        "assessments/expert_sheet.html",
        {
            "interview": interview,
            "sheet": sheet,
            "clock": clock,
            "application": application_summary(participant_id=interview.participant_id),
            "completeness": participant_completeness(participant=participant),
            "decision": decision_published_for(participant=participant),
            "topics": [(name, label, bool(sheet and sheet.topics.get(name))) for name, label in TOPICS.items()],
            "rubric": [
                (
                    criterion.key,
                    criterion.label,
                    sheet.rubric.get(criterion.key) if sheet else None,
                    [(score, criterion.descriptor(score)) for score in scores],
                )
                for criterion in rubric.criteria
            ],
            "levels": Level.choices,
            "limit_minutes": PRESENTATION_LIMIT_SECONDS // 60,
        },
    )
