"""A session's recording page, for its speakers, editors and staff (the console attaches one too)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from live.models import LiveSession
from live.selectors import recording_attachable_by, session_manageable_by
from live.services.recordings import recording_attach


def recording_attach_posted(request, session: LiveSession) -> str:
    """Attach the posted video file (the console's action and this page share it): the message to
    show, or a ValidationError that says what is missing."""
    if not request.FILES.get("recording"):
        raise ValidationError({"recording": [_("Choose the recording's video file.")]})
    recording_attach(session=session, source=request.FILES["recording"], by=request.user)
    return _("The recording is being transcoded; a draft lecture was created.")


@login_required
def session_recording(request, session_id: int):
    """Attach a session's recording: its speakers and staff (as in the console) and editors, for
    any session (Wagtail's session listing links here). The service decides who may."""
    session = get_object_or_404(LiveSession.objects.select_related("course"), pk=session_id)
    if not recording_attachable_by(session=session, user=request.user):
        raise PermissionDenied(_("Only the session's speakers, editors and staff may attach its recording."))
    failed = False
    if request.method == "POST":
        try:
            messages.success(request, recording_attach_posted(request, session))
        except ValidationError as error:
            failed = True
            for message in error.messages:
                messages.error(request, message)
        if not failed:
            return redirect("live-session-recording", session_id=session.pk)
    return render(
        request,
        "live/session_recording.html",
        {
            "session": session,
            "recordings": session.recordings.select_related("video_asset", "lecture"),
            "console": session_manageable_by(session=session, user=request.user),
        },
        status=400 if failed else 200,
    )
