import json
from datetime import date, datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments.errors import ConflictError
from assessments.models import (
    AdmissionDecision,
    AdmissionRun,
    Attempt,
    Decision,
    Interview,
    InterviewSheet,
    InterviewSlot,
    OfflineMeeting,
    Quiz,
)
from assessments.models.interviews import PRESENTATION_LIMIT_SECONDS, RUBRIC, RUBRIC_MAX, TOPICS
from assessments.permissions import is_staff, staff_check
from assessments.selectors.admission import admission_run_list, decisions_effective
from assessments.selectors.interviews import DIRECTIONS, candidates_by_direction, interview_list_for_expert
from assessments.selectors.quizzes import attempt_detail, attempt_list, quiz_deadline_for
from assessments.selectors.slots import (
    expert_timezone,
    expert_timezone_name,
    seasons_for_interviews,
    slot_list_for_expert,
)
from assessments.services.admission import admission_run_publish, admission_run_start, decision_override_add
from assessments.services.interviews import (
    interview_book,
    interview_cancel,
    interview_expert_check,
    interview_sheet_submit,
    presentation_start,
    presentation_stop,
)
from assessments.services.quizzes import (
    answer_save,
    attempt_close_if_expired,
    attempt_start,
    attempt_submit,
    quiz_view_check,
)
from assessments.services.slots import (
    SLOT_MINUTES_MAX,
    SLOT_MINUTES_MIN,
    expert_check,
    expert_timezone_update,
    interview_slot_create,
    interview_slot_delete,
    interview_slot_series_create,
)
from lms import roles
from lms.choices import Level, Track
from lms.middleware import SESSION_TIMEZONE_KEY
from lms.numbers import whole_number
from lms.regions import FederalDistrict, timezone_choices
from lms.selectors import participant_current, programme_today, season_list, user_has_role
from lms.views import cabinet


def _messages_from(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _id(raw) -> int | None:
    """A form's id field as a number, or None for anything else ("abc", "²", "", 10**30): a bad
    value must end in a clear 400, never in a ValueError or a database overflow."""
    return whole_number((raw or "").strip())


@login_required
def quiz_page(request, quiz_id: int):
    quiz = get_object_or_404(Quiz, pk=quiz_id)
    quiz_view_check(quiz=quiz, user=request.user)
    if request.method == "POST":
        try:
            attempt = attempt_start(quiz=quiz, user=request.user)
        except ValidationError as error:
            _messages_from(request, error)
        except ConflictError as error:
            messages.error(request, str(error))
        else:
            return redirect("assessments:attempt", attempt.id)
        return redirect("assessments:quiz", quiz.id)
    attempts = list(attempt_list(quiz=quiz, user=request.user))
    for attempt in attempts:
        attempt_close_if_expired(attempt=attempt)
    deadline = quiz_deadline_for(quiz=quiz, user_id=request.user.pk)
    return render(
        request,
        "assessments/quiz.html",
        {"quiz": quiz, "attempts": attempts, "deadline": deadline, "extended": deadline != quiz.closes_at},
    )


def _form_value(question: dict, request):
    name = f"q{question['id']}"
    if question["kind"] == "multiple":
        values = request.POST.getlist(name)
        # A value that is not an option number is kept as it came, for the service to refuse.
        return [_id(v) if _id(v) is not None else v for v in values] if values else None
    raw = request.POST.get(name, "").strip()
    if not raw:
        return None
    if question["kind"] == "single":
        return _id(raw) if _id(raw) is not None else raw
    return raw


@login_required
def attempt_page(request, attempt_id: int):
    attempt = get_object_or_404(Attempt.objects.select_related("quiz"), pk=attempt_id)
    if attempt.user_id != request.user.pk:
        raise PermissionDenied(_("This is not your attempt."))
    attempt_close_if_expired(attempt=attempt)
    if request.method == "POST" and attempt.closed_at is None:
        detail = attempt_detail(attempt=attempt)
        try:
            for question in detail["questions"]:
                value = _form_value(question, request)
                if value is not None:
                    answer_save(attempt=attempt, question_id=question["id"], value=value, user=request.user)
            if "submit" in request.POST:
                attempt_submit(attempt=attempt, user=request.user)
        except ValidationError as error:
            _messages_from(request, error)
        return redirect("assessments:attempt", attempt.id)
    attempt.refresh_from_db()
    detail = attempt_detail(attempt=attempt)
    for question in detail["questions"]:
        question["answer_json"] = json.dumps(question["answer"])
        question["chosen"] = question["answer"] if isinstance(question["answer"], list) else [question["answer"]]
    return render(request, "assessments/attempt.html", {"attempt": detail})


@login_required
def admission_home(request):
    staff_check(user=request.user)
    seasons = list(season_list())
    status = 200
    if request.method == "POST":
        season = next((s for s in seasons if s.id == _id(request.POST.get("season"))), None)
        try:
            if season is None:
                raise ValidationError({"season": _("Choose a season from the list.")})
            run = admission_run_start(season=season, track=request.POST.get("track", ""), user=request.user)
        except ValidationError as error:
            _messages_from(request, error)
            status = 400
        else:
            return redirect("assessments:admission-run", run.id)
    runs = AdmissionRun.objects.select_related("season").order_by("-created_at")[:20]
    return render(
        request,
        "assessments/admission_home.html",
        {"seasons": seasons, "tracks": Track.choices, "runs": runs},
        status=status,
    )


@login_required
def admission_run_page(request, run_id: int):
    staff_check(user=request.user)
    run = get_object_or_404(AdmissionRun.objects.select_related("season"), pk=run_id)
    status = 200
    if request.method == "POST":
        try:
            if "publish" in request.POST:
                # The page itself shows the publication and the override: no flash message needed.
                admission_run_publish(run=run, user=request.user)
            else:
                decision_id = _id(request.POST.get("decision_id"))
                decision = AdmissionDecision.objects.filter(pk=decision_id, run=run).first() if decision_id else None
                if decision is None:
                    raise ValidationError({"decision_id": _("There is no such decision in this run.")})
                decision_override_add(
                    decision=decision,
                    value=request.POST.get("value", ""),
                    justification=request.POST.get("justification", ""),
                    user=request.user,
                )
        except ValidationError as error:
            _messages_from(request, error)
            status = 400
            run.refresh_from_db()
        else:
            return redirect("assessments:admission-run", run.id)
    rows = decisions_effective(run=run, user=request.user) if run.status == "done" else []
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


@login_required
def candidates_page(request):
    """Staff's list of candidates per direction with the experts' scores averaged, and downloads."""
    staff_check(user=request.user)
    seasons = list(season_list())
    status = 200
    if "season" in request.GET:
        season = next((s for s in seasons if s.id == _id(request.GET["season"])), None)
        if season is None:
            messages.error(request, _("There is no such season; choose one from the list."))
            status = 400
    else:
        # The newest season whose interviews have begun, else the newest one.
        today = programme_today()
        season = next((s for s in seasons if s.interviews_starts_on <= today), seasons[0] if seasons else None)
    directions = candidates_by_direction(season_id=season.id) if season else {}
    levels, districts = dict(Level.choices), dict(FederalDistrict.choices)
    sections = []
    for direction, title in DIRECTIONS.items():
        rows = directions.get(direction, [])
        for row in rows:
            row["level_label"] = levels[row["level"]]
            row["recommended_label"] = levels[row["recommended_level"]]
            row["district_label"] = districts.get(row["federal_district"], row["federal_district"])
            row["criteria_list"] = [(RUBRIC[name], value) for name, value in row["criteria"].items()]
        sections.append({"key": direction, "title": title, "rows": rows})
    return render(
        request,
        "assessments/candidates.html",
        {"seasons": seasons, "season": season, "sections": sections, "rubric_max": RUBRIC_MAX},
        status=status,
    )


@login_required
@require_POST
def interview_book_view(request):
    participant = participant_current(user=request.user)
    if participant is None:
        raise PermissionDenied(_("You are not a participant of a season."))
    slot = meeting = None
    if request.POST.get("slot"):
        slot_id = _id(request.POST["slot"])
        slot = InterviewSlot.objects.filter(pk=slot_id).first() if slot_id else None
        missing = slot is None and _("This interview slot does not exist (any more); choose another one.")
    else:
        meeting_id = _id(request.POST.get("meeting"))
        meeting = OfflineMeeting.objects.filter(pk=meeting_id).first() if meeting_id else None
        missing = meeting is None and _("Choose an interview slot or a selection meeting from the list.")
    if missing:
        # The cabinet again, with the message, as the form's answer (the booking forms live there).
        messages.error(request, missing)
        response = cabinet(request)
        response.status_code = 400
        return response
    try:
        interview_book(participant=participant, user=request.user, slot=slot, meeting=meeting)
    except ValidationError as error:
        _messages_from(request, error)
    except ConflictError as error:
        messages.error(request, str(error))
    return redirect("cabinet")


@login_required
@require_POST
def interview_cancel_view(request, interview_id: int):
    interview = get_object_or_404(Interview, pk=interview_id)
    try:
        interview_cancel(interview=interview, user=request.user)
    except ValidationError as error:
        _messages_from(request, error)
    return redirect("cabinet")


@login_required
def expert_interview_list(request):
    if not (is_staff(request.user) or user_has_role(user=request.user, role=roles.EXPERT)):
        raise PermissionDenied(_("Only experts score interviews."))
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


@login_required
def expert_sheet_page(request, interview_id: int):
    interview = get_object_or_404(
        Interview.objects.select_related("participant__application", "slot", "meeting"), pk=interview_id
    )
    interview_expert_check(interview=interview, user=request.user)
    if request.method == "POST":
        try:
            if "start" in request.POST:
                presentation_start(interview=interview, expert=request.user)
            elif "stop" in request.POST:
                presentation_stop(interview=interview, expert=request.user)
            else:
                rubric = {}
                for name in RUBRIC:
                    value = request.POST.get(f"rubric_{name}", "")
                    rubric[name] = _id(value) if _id(value) is not None else value
                interview_sheet_submit(
                    interview=interview,
                    expert=request.user,
                    topics={name: f"topic_{name}" in request.POST for name in TOPICS},
                    rubric=rubric,
                    comment=request.POST.get("comment", ""),
                    recommended_level=request.POST.get("recommended_level", ""),
                )
        except ValidationError as error:
            _messages_from(request, error)
        return redirect("assessments:expert-sheet", interview.id)
    sheet = InterviewSheet.objects.filter(interview=interview, expert=request.user).first()
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
    return render(
        request,
        "assessments/expert_sheet.html",
        {
            "interview": interview,
            "sheet": sheet,
            "clock": clock,
            "topics": [(name, label, bool(sheet and sheet.topics.get(name))) for name, label in TOPICS.items()],
            "rubric": [(name, label, sheet.rubric.get(name) if sheet else None) for name, label in RUBRIC.items()],
            "scores": range(RUBRIC_MAX + 1),
            "levels": Level.choices,
            "limit_minutes": PRESENTATION_LIMIT_SECONDS // 60,
        },
    )


# ---------------------------------------------------------------- experts' own availability

DURATIONS = (15, 20, 30, 45, 60, 90)


def _expert_or_403(request) -> None:
    expert_check(user=request.user)


def _availability_url(season_id: str) -> str:
    url = reverse("assessments:expert-availability")
    return f"{url}?season={season_id}" if season_id.isdigit() else url


def _clock_time(value: str) -> time:
    """A time of day in the expert's zone: an offset ("10:00+05:00") is dropped, as the API's
    TimeField does, so it never meets a naive time in the services."""
    return time.fromisoformat(value).replace(tzinfo=None)


def _parsed(form: dict, errors: list[str]) -> dict:
    """Read the availability forms' fields; a field that does not parse adds a message."""
    values: dict = {}
    readers = {
        "day": (date.fromisoformat, _("Enter the date.")),
        "starts": (_clock_time, _("Enter the start time.")),
        "from_time": (_clock_time, _("Enter the time the series starts.")),
        "until_time": (_clock_time, _("Enter the time the series ends.")),
        "duration": (int, _("Choose the length of a slot.")),
        "break": (int, _("Enter the break in minutes (0 for none).")),
    }
    for name, (read, message) in readers.items():
        if name not in form:
            continue
        try:
            values[name] = read(form[name].strip() or ("0" if name == "break" else ""))
        except ValueError:
            errors.append(message)
    return values


@login_required
def expert_availability(request):
    """The expert's slots for a season's interview period; add one, add a day's series, remove."""
    _expert_or_403(request)
    tz = expert_timezone(user=request.user)
    # Times on this page are the expert's: the zone of their profile, for this and later pages.
    timezone.activate(tz)
    if request.session.get(SESSION_TIMEZONE_KEY) != str(tz):
        request.session[SESSION_TIMEZONE_KEY] = str(tz)
    seasons = list(seasons_for_interviews(today=programme_today()))
    chosen = request.POST.get("season") or request.GET.get("season")
    season = next((s for s in seasons if str(s.id) == chosen), seasons[0] if seasons else None)
    form = {key: request.POST.get(key, "") for key in request.POST if key != "csrfmiddlewaretoken"}
    status = 200
    if request.method == "POST" and season is not None:
        errors: list[str] = []
        values = _parsed(form, errors)
        series = form.get("action") == "series"
        needed = ("day", "from_time", "until_time", "duration") if series else ("day", "starts", "duration")
        if not errors and any(name not in values for name in needed):
            errors.append(_("Fill in every field of the form."))
        if not errors:
            try:
                if series:
                    created = interview_slot_series_create(
                        expert=request.user,
                        season=season,
                        day=values["day"],
                        from_time=values["from_time"],
                        until_time=values["until_time"],
                        duration_minutes=values["duration"],
                        break_minutes=values.get("break", 0),
                        meeting_url=form.get("meeting_url", ""),
                        room=form.get("room", ""),
                    )
                else:
                    created = [
                        interview_slot_create(
                            expert=request.user,
                            season=season,
                            starts_at=datetime.combine(values["day"], values["starts"], tzinfo=tz),
                            duration_minutes=values["duration"],
                            meeting_url=form.get("meeting_url", ""),
                            room=form.get("room", ""),
                        )
                    ]
            except ValidationError as error:
                errors.extend(error.messages)
            except ConflictError as error:
                errors.append(str(error))
            else:
                messages.success(request, _("Slots published: %(count)s.") % {"count": len(created)})
                return redirect(_availability_url(str(season.id)))
        for message in errors:
            messages.error(request, message)
        status = 400
    slots = list(slot_list_for_expert(expert=request.user, season_id=season.id)) if season else []
    return render(
        request,
        "assessments/expert_availability.html",
        {
            "seasons": seasons,
            "season": season,
            "slots": slots,
            "form": form,
            "durations": DURATIONS,
            "min_minutes": SLOT_MINUTES_MIN,
            "max_minutes": SLOT_MINUTES_MAX,
            "timezone_name": expert_timezone_name(user=request.user),
            "timezone_choices": timezone_choices(),
        },
        status=status,
    )


@login_required
@require_POST
def expert_timezone_change(request):
    _expert_or_403(request)
    try:
        expert_timezone_update(user=request.user, tz=request.POST.get("timezone", ""), session=request.session)
    except ValidationError as error:
        _messages_from(request, error)
    else:
        messages.success(request, _("Your times are now in %(tz)s.") % {"tz": request.POST["timezone"]})
    return redirect(_availability_url(request.POST.get("season", "")))


@login_required
@require_POST
def expert_slot_remove(request, slot_id: int):
    slot = get_object_or_404(InterviewSlot, pk=slot_id, published=True)
    try:
        interview_slot_delete(slot=slot, user=request.user)
    except ConflictError as error:
        messages.error(request, str(error))
    else:
        when = timezone.localtime(slot.starts_at, expert_timezone(user=request.user))
        messages.success(request, _("The slot of %(when)s is removed.") % {"when": when.strftime("%d.%m.%Y %H:%M")})
    return redirect(_availability_url(str(slot.season_id)))
