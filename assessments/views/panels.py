"""An offline meeting's panel page: staff choose the experts who sit on it and register the
district's admitted participants to it in bulk (ticked, or all not yet assigned)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from assessments.permissions import staff_check
from assessments.selectors.panels import meeting_for_panel, meeting_panel_page
from assessments.services.panels import meeting_panel_set, meeting_participants_assign
from assessments.views.common import form_id, messages_from
from lms.errors import ConflictError


def _ids(values: list[str]) -> list[int]:
    """Ticked ids; a value that is not one is refused as a whole (the service names the rule)."""
    ids = [form_id(value) for value in values]
    if None in ids:
        raise ValidationError({"ids": [_("Tick from the list on the page.")]})
    return ids


def _removal_confirmed(request, *, meeting, expert_ids: list[int]) -> None:
    """Taking an expert off the panel takes the meeting's sheets out of their list: only with the
    box ticked (adding experts needs no confirmation)."""
    removed = {user.pk for user in meeting.panel.all()} - set(expert_ids)
    if removed and not request.POST.get("confirm_removal"):
        raise ValidationError(
            {
                "confirm": [
                    _("Unticked experts leave the panel (experts leaving: %(count)s): tick the box to confirm.")
                    % {"count": len(removed)}
                ]
            }
        )


@login_required
def meeting_panel(request, meeting_id: int):
    """GET: the panel, the registered participants and those who may be registered. POST `panel`:
    set the experts (`confirm_removal` when one leaves); `assign`: register the ticked
    participants; `assign_all` with `confirm_all`: register all admitted of the district not yet
    assigned."""
    staff_check(user=request.user)
    meeting = meeting_for_panel(meeting_id=meeting_id)
    if meeting is None:
        raise Http404
    status = 200
    if request.method == "POST":
        try:
            if "panel" in request.POST:
                expert_ids = _ids(request.POST.getlist("expert"))
                _removal_confirmed(request, meeting=meeting, expert_ids=expert_ids)
                meeting_panel_set(meeting=meeting, expert_ids=expert_ids, user=request.user)
                messages.success(request, _("The panel is saved."))
            else:
                if "assign_all" in request.POST and not request.POST.get("confirm_all"):
                    raise ValidationError({"confirm": [_("Tick the box to confirm registering all of them.")]})
                ids = None if "assign_all" in request.POST else _ids(request.POST.getlist("participant"))
                created = meeting_participants_assign(meeting=meeting, participant_ids=ids, user=request.user)
                messages.success(request, _("Registered to the meeting: %(count)s.") % {"count": len(created)})
        except (ValidationError, ConflictError) as error:
            messages_from(request, error)
            status = 400
        else:
            return redirect("assessments:meeting-panel", meeting.id)
    return render(
        request,
        "assessments/meeting_panel.html",
        {"meeting": meeting, **meeting_panel_page(meeting=meeting)},
        status=status,
    )
