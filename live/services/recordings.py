"""A session's recording becomes a draft lecture of its course, through media's transcoding."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from courses.services import lecture_draft_create
from live.models import LiveSession, Recording
from live.selectors import recording_attachable_by
from media.services import video_asset_create


def recording_attach(
    *, session: LiveSession, source, by=None, source_url: str = "", bbb_record_id: str | None = None
) -> Recording:
    """The recording goes through the transcoding pipeline and becomes a draft lecture of the
    session's course, for an editor to publish with its own deadline. `by` is None for a room's
    own callback (BBB's recording-ready), which no person sends."""
    if by is not None and not recording_attachable_by(session=session, user=by):
        raise PermissionDenied(_("Only the session's speakers, editors and staff may attach its recording."))
    with transaction.atomic():
        asset = video_asset_create(title=session.title, source=source, created_by=by)
        # A season-wide session has no course to hold a lecture: its recording stays a video.
        lecture = (
            lecture_draft_create(
                course_id=session.course_id,
                title=_("Recording: %(title)s") % {"title": session.title},
                video_asset_id=asset.pk,
                source_live_session_id=session.pk,
            )
            if session.course_id
            else None
        )
        recording = Recording(
            session=session, video_asset=asset, lecture=lecture, source_url=source_url, bbb_record_id=bbb_record_id
        )
        recording.full_clean(exclude=["video_asset", "lecture", "session"])
        recording.save()
    return recording
