from decimal import Decimal

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lms import roles
from lms.cabinet import cabinet_panels, staff_tools
from lms.forms import ApplicationForm
from lms.models import Stage
from lms.regions import region_get, timezone_choices
from lms.selectors import (
    application_latest_for_user,
    application_reapplication_initial,
    participant_current,
    programme_today,
    season_open_for_applications,
    season_timeline,
    user_has_role,
)
from lms.services import ApplicationData, application_submit, participant_timezone_update


def application_create(request):
    season = season_open_for_applications()
    needs_password = not request.user.is_authenticated
    earlier = application_latest_for_user(user=request.user)
    if earlier is not None and season is not None and earlier.season_id == season.pk:
        earlier = None  # already applied to this season: the service says so on submit
    initial = application_reapplication_initial(application=earlier) if earlier else None
    form = ApplicationForm(request.POST or None, initial=initial, needs_password=needs_password)
    if request.method == "POST" and season is not None and form.is_valid():
        fields = dict(form.cleaned_data)
        password = fields.pop("password", "")
        fields["state_service_years"] = fields.get("state_service_years") or Decimal("0")
        user = request.user if request.user.is_authenticated else None
        try:
            application = application_submit(
                season=season, data=ApplicationData(**fields), user=user, password=password
            )
        except ValidationError as error:
            for field, field_messages in error.message_dict.items():
                for message in field_messages:
                    form.add_error(field if field in form.fields else None, message)
        else:
            if user is None:
                login(request, application.user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Your application is accepted. Welcome to the programme!"))
            return redirect("cabinet")
    status = 400 if request.method == "POST" else 200
    return render(request, "lms/apply.html", {"form": form, "season": season, "earlier": earlier}, status=status)


@login_required
@require_POST
def participant_timezone_change(request):
    participant = participant_current(user=request.user)
    if participant is None:
        return redirect("cabinet")
    try:
        participant_timezone_update(
            participant=participant, tz=request.POST.get("timezone", ""), session=request.session
        )
    except ValidationError as error:
        for message in error.message_dict["timezone"]:
            messages.error(request, message)
    else:
        messages.success(request, _("Times are now shown in %(tz)s.") % {"tz": participant.timezone})
    return redirect("cabinet")


@login_required
def cabinet(request):
    user_roles = {role for role in roles.ROLES if user_has_role(user=request.user, role=role)}
    if request.user.is_staff:
        user_roles.add(roles.STAFF)
    participant = participant_current(user=request.user)
    tools = staff_tools(roles=user_roles)
    if participant is None:
        return render(
            request,
            "lms/staff_home.html",
            {"tools": tools, "user_roles": [roles.ROLES[role] for role in sorted(user_roles)]},
        )
    today = programme_today()
    panels = [{"panel": panel, "context": panel.context(request, participant)} for panel in cabinet_panels()]
    return render(
        request,
        "lms/cabinet.html",
        {
            "participant": participant,
            "season": participant.season,
            "current_stages": [Stage(stage).label for stage in participant.season.stages_on(today)],
            "timeline": season_timeline(season=participant.season, today=today),
            "region": region_get(participant.region_code),
            "panels": panels,
            "tools": tools,
            "timezone_choices": timezone_choices(),
        },
    )
