"""The cabinet's buttons for a seat at a season-wide session."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from live.selectors import session_for_registration
from live.services.registrations import session_register, session_unregister
from lms.errors import ConflictError


def _registration_answer(request, action: Callable[..., object], session_id: int, done: str):
    """The cabinet's register/unregister buttons: one service call, the outcome as a message."""
    session = session_for_registration(user=request.user, session_id=session_id)
    if session is None:
        raise Http404
    try:
        action(session=session, user=request.user)
    except (ValidationError, ConflictError, PermissionDenied) as error:
        messages.error(request, " ".join(error.messages) if isinstance(error, ValidationError) else str(error))
    else:
        messages.success(request, done % {"title": session.title})
    return redirect(reverse("cabinet") + "#live")


@login_required
@require_POST
def session_register_view(request, session_id: int):
    return _registration_answer(request, session_register, session_id, _("You are registered for “%(title)s”."))


@login_required
@require_POST
def session_unregister_view(request, session_id: int):
    return _registration_answer(
        request, session_unregister, session_id, _("Your registration for “%(title)s” is cancelled.")
    )
