"""The experts' own availability page: their slots for a season, one slot or a day's series
published, a slot removed, their time zone changed."""

from datetime import date, datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments.models import InterviewSlot
from assessments.selectors.slots import (
    expert_timezone,
    expert_timezone_name,
    slot_list_for_expert,
    slot_visibility_notes,
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
from assessments.views.common import messages_from
from lms.errors import ConflictError
from lms.middleware import SESSION_TIMEZONE_KEY
from lms.regions import timezone_options_html
from lms.selectors import season_pick_for_staff

DURATIONS = (15, 20, 30, 45, 60, 90)


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


def _slot_publish(request, season, form: dict, values: dict, tz) -> list[InterviewSlot]:
    return [
        interview_slot_create(
            expert=request.user,
            season=season,
            starts_at=datetime.combine(values["day"], values["starts"], tzinfo=tz),
            duration_minutes=values["duration"],
            meeting_url=form.get("meeting_url", ""),
            room=form.get("room", ""),
        )
    ]


def _series_publish(request, season, form: dict, values: dict, tz) -> list[InterviewSlot]:
    return interview_slot_series_create(
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


# The two forms of the page: (the fields each needs, the operation).
_PUBLISH = {
    "slot": (("day", "starts", "duration"), _slot_publish),
    "series": (("day", "from_time", "until_time", "duration"), _series_publish),
}


@login_required
def expert_availability(request):
    """GET: the expert's slots for a season's interview period. POST: publish one slot or a day's
    series (the form's `action`)."""
    expert_check(user=request.user)
    tz = expert_timezone(user=request.user)
    # Times on this page are the expert's: the zone of their profile, for this and later pages.
    timezone.activate(tz)
    if request.session.get(SESSION_TIMEZONE_KEY) != str(tz):
        request.session[SESSION_TIMEZONE_KEY] = str(tz)
    # The staff pages' season and list: a season whose interview period is over stays listed (its
    # slots can be read), and the services refuse a slot outside the period with a message. An
    # unknown id falls back to the default season without a message, as the page always did.
    pick = season_pick_for_staff(chosen=request.POST.get("season") or request.GET.get("season"))
    season = pick.season
    form = {key: request.POST.get(key, "") for key in request.POST if key != "csrfmiddlewaretoken"}
    status = 200
    if request.method == "POST" and season is not None:
        errors: list[str] = []
        values = _parsed(form, errors)
        needed, publish = _PUBLISH["series" if form.get("action") == "series" else "slot"]
        if not errors and any(name not in values for name in needed):
            errors.append(_("Fill in every field of the form."))
        if not errors:
            try:
                created = publish(request, season, form, values, tz)
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
    slots = slot_list_for_expert(expert=request.user, season_id=season.id) if season else []
    return render(
        request,
        "assessments/expert_availability.html",
        {
            "seasons": pick.seasons,
            "season": season,
            "slots": slots,
            "visibility_notes": slot_visibility_notes(season=season) if season else [],
            "form": form,
            "durations": DURATIONS,
            "min_minutes": SLOT_MINUTES_MIN,
            "max_minutes": SLOT_MINUTES_MAX,
            "timezone_options": timezone_options_html(selected=expert_timezone_name(user=request.user)),
        },
        status=status,
    )


@login_required
@require_POST
def expert_timezone_change(request):
    expert_check(user=request.user)
    try:
        expert_timezone_update(user=request.user, tz=request.POST.get("timezone", ""), session=request.session)
    except ValidationError as error:
        messages_from(request, error)
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
        messages_from(request, error)
    else:
        when = timezone.localtime(slot.starts_at, expert_timezone(user=request.user))
        messages.success(request, _("The slot of %(when)s is removed.") % {"when": when.strftime("%d.%m.%Y %H:%M")})
    return redirect(_availability_url(str(slot.season_id)))
