"""A finished BigBlueButton recording fetched (getRecordings, then the video it points to) and
attached as a draft lecture, by the task its recording-ready callback queues."""

import tempfile
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from live.models import LiveSession, Recording
from live.rooms.bbb.client import api_call, file_download
from live.services.recordings import recording_attach
from lms.text import text_storable


def recording_video_url(root) -> str | None:
    """getRecordings answer → the file of the `video` playback format (BBB 3.0 names it video-0.m4v)."""
    for playback_format in root.iter("format"):
        if playback_format.findtext("type") == "video" and playback_format.findtext("url"):
            return playback_format.findtext("url").rstrip("/") + "/video-0.m4v"
    return None


def bbb_recording_fetch(*, session: LiveSession, record_id: str) -> Recording | None:
    """Find the recording's video through getRecordings, download it and attach it. A record id
    already attached is skipped, so a repeated callback or a task retry changes nothing. BBB not
    reachable (or failing mid-file) is a BbbError, which the task retries."""
    if not text_storable(record_id):
        raise ValidationError({"recording": [_("A meeting or record id with a NUL character is not valid.")]})
    if Recording.objects.filter(bbb_record_id=record_id).exists():
        return None
    video_url = recording_video_url(api_call(call="getRecordings", params=[("recordID", record_id)], timeout=30))
    if video_url is None:
        raise ValidationError({"recording": [_("BigBlueButton has no video format for this recording.")]})
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{record_id}.m4v"
        file_download(url=video_url, path=path)
        return recording_attach(session=session, source=str(path), source_url=video_url, bbb_record_id=record_id)
