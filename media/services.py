"""Writes of the media app: create a video asset, transcode it, re-run a transcode."""

import logging
import shutil
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from media import conf, transcoding
from media.metrics import TRANSCODE_SECONDS
from media.models import VideoAsset

logger = logging.getLogger(__name__)

HLS_ROOT = "video/hls"
# ffmpeg reports twice a second; one database write a second keeps the bar live and the load low.
PROGRESS_WRITE_INTERVAL = 0.9
COPY_CHUNK = 8 * 1024 * 1024


def video_asset_create(*, title: str, source, created_by=None) -> VideoAsset:
    """Store `source` (a Django File/UploadedFile or a filesystem path) in the default storage,
    streamed in chunks, and queue its transcode once the transaction commits."""
    opened = None
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.is_file():
            raise ValidationError({"source": _("File not found: %(path)s") % {"path": path}})
        opened = open(path, "rb")  # noqa: SIM115 - closed below, after the storage has streamed it
        source = File(opened, name=path.name)
    try:
        if not getattr(source, "name", None):
            raise ValidationError({"source": _("The uploaded file has no name.")})
        size = source.size
        if not size:
            raise ValidationError({"source": _("The file is empty.")})
        if size > conf.max_upload_size():
            raise ValidationError({"source": file_too_large_message(size)})
        asset = VideoAsset(title=(title or "").strip() or Path(source.name).stem[:255], created_by=created_by)
        asset.full_clean(exclude=["source"])
        asset.source.save(Path(source.name).name, source, save=False)
    finally:
        if opened is not None:
            opened.close()
    try:
        with transaction.atomic():
            asset.save()
            _transcode_enqueue(asset_id=asset.pk)
    except Exception:
        asset.source.storage.delete(asset.source.name)
        raise
    return asset


def file_too_large_message(size: int) -> str:
    return _("The file is %(size)s; the largest upload allowed is %(limit)s.") % {
        "size": filesizeformat(size),
        "limit": filesizeformat(conf.max_upload_size()),
    }


def video_asset_retranscode(*, asset_id: int) -> VideoAsset:
    """Send a failed or finished asset back to the queue. The published rendition (if any) keeps
    playing until the new one is complete."""
    stale = timezone.now() - timedelta(seconds=conf.transcode_lease_seconds())
    with transaction.atomic():
        updated = (
            VideoAsset.objects.filter(pk=asset_id)
            .filter(~Q(state=VideoAsset.State.PROCESSING) | Q(claimed_at__lt=stale) | Q(claimed_at=None))
            .update(
                state=VideoAsset.State.PENDING,
                progress=0,
                error_message="",
                claim=None,
                claimed_at=None,
                updated_at=timezone.now(),
            )
        )
        asset = VideoAsset.objects.get(pk=asset_id)
        if not updated:
            raise ValidationError(_("This video is being transcoded right now; wait until it finishes."))
        _transcode_enqueue(asset_id=asset.pk)
    return asset


def video_asset_transcode(*, asset_id: int, worker: str = "") -> VideoAsset:
    """Claim the asset, probe its source, transcode it to HLS in a fresh folder and publish that
    folder only when it is complete. Safe to call twice or after a crash: a second caller finds the
    claim taken (and returns), a dead worker's claim expires after the lease or is released when a
    worker of its name starts again (video_asset_claims_release). `worker`: the Celery node name
    of the caller, kept with the claim.

    Raises VideoAsset.DoesNotExist when the asset is gone."""
    claim = uuid.uuid4()
    now = timezone.now()
    stale = now - timedelta(seconds=conf.transcode_lease_seconds())
    claimed = (
        VideoAsset.objects.filter(pk=asset_id)
        .filter(
            Q(state=VideoAsset.State.PENDING)
            | Q(state=VideoAsset.State.PROCESSING, claimed_at__lt=stale)
            | Q(state=VideoAsset.State.PROCESSING, claimed_at=None)
        )
        .update(
            state=VideoAsset.State.PROCESSING,
            claim=claim,
            claimed_at=now,
            claimed_by=worker,
            progress=0,
            error_message="",
            updated_at=now,
        )
    )
    asset = VideoAsset.objects.get(pk=asset_id)
    if not claimed:
        return asset
    heartbeat = _Heartbeat(asset_id=asset_id, claim=claim)
    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="video-transcode-") as workdir:
            work = Path(workdir)
            source = _local_source(asset=asset, workdir=work, heartbeat=heartbeat)
            info = transcoding.probe(source)
            heartbeat.owned().update(duration=info.duration, width=info.width, height=info.height)
            output = work / "hls"
            output.mkdir()
            transcoding.run(
                transcoding.transcode_command(source, output, info),
                duration=info.duration,
                on_progress=heartbeat.progress,
            )
            folder = f"{HLS_ROOT}/{asset.uid}/{claim.hex}"
            _publish_folder(output=output, folder=folder, heartbeat=heartbeat)
            switched = heartbeat.owned().update(
                state=VideoAsset.State.READY,
                progress=100,
                hls_path=folder,
                poster=f"{folder}/{transcoding.POSTER_NAME}",
                error_message="",
                claim=None,
                claimed_at=None,
                claimed_by="",
                updated_at=timezone.now(),
            )
            if switched:
                _delete_renditions(asset=asset, keep=folder)
            else:
                _delete_tree(folder)
    except (transcoding.ProbeError, transcoding.TranscodeError) as error:
        _fail(heartbeat, str(error))
    except SoftTimeLimitExceeded:
        _fail(heartbeat, _("Transcoding took longer than the time limit; the video is probably too long."))
        raise
    except transcoding.TranscodeAborted:
        logger.warning("transcode of video %s lost its claim; another worker owns it now", asset_id)
    except Exception:
        logger.exception("transcode of video %s failed", asset_id)
        _fail(heartbeat, _("Transcoding failed because of an internal error; try again or tell the staff."))
    asset.refresh_from_db()
    if asset.state in (VideoAsset.State.READY, VideoAsset.State.FAILED):
        TRANSCODE_SECONDS.labels(result=asset.state).observe(time.monotonic() - started)
    return asset


def video_asset_delete(*, asset: VideoAsset) -> None:
    """Delete the asset, then its source and renditions once the deletion is committed."""
    source_name, uid = asset.source.name, asset.uid
    asset.delete()

    def remove_files() -> None:
        if source_name:
            default_storage.delete(source_name)
        _delete_tree(f"{HLS_ROOT}/{uid}")

    transaction.on_commit(remove_files)


def video_asset_requeue_stale() -> int:
    """Re-queue assets whose worker died mid-way (a stale claim); returns how many. Pending assets
    are left alone: they may simply be waiting behind a long queue."""
    stale = timezone.now() - timedelta(seconds=conf.transcode_lease_seconds())
    ids = list(
        VideoAsset.objects.filter(state=VideoAsset.State.PROCESSING, claimed_at__lt=stale).values_list("pk", flat=True)
    )
    for asset_id in ids:
        _transcode_enqueue(asset_id=asset_id)
    return len(ids)


def video_asset_claims_release(*, worker: str) -> int:
    """A worker starting under the name `worker` runs no transcode yet, so a claim still held under
    that name belongs to its predecessor, which was killed mid-way (the process supervisor started
    it again). Release those claims and queue the assets at once instead of waiting for the lease
    to run out; the number released. Node names are unique among live workers (one transcode
    worker per machine, `transcode@<host>`); were one reused by a second live worker, the first
    would only lose its claim at its next progress report and stop, never publish twice."""
    if not worker:
        return 0
    with transaction.atomic():
        ids = list(
            VideoAsset.objects.select_for_update()
            .filter(state=VideoAsset.State.PROCESSING, claimed_by=worker)
            .values_list("pk", flat=True)
        )
        VideoAsset.objects.filter(pk__in=ids).update(
            claim=None, claimed_at=None, claimed_by="", updated_at=timezone.now()
        )
        for asset_id in ids:
            _transcode_enqueue(asset_id=asset_id)
    if ids:
        logger.warning("worker %s restarted: transcodes of videos %s queued again", worker, ids)
    return len(ids)


# ---------------------------------------------------------------- helpers


def _transcode_enqueue(*, asset_id: int) -> None:
    from media.tasks import video_asset_transcode_task

    limit = conf.transcode_time_limit()
    video_asset_transcode_task.apply_async_on_commit(
        kwargs={"asset_id": asset_id}, time_limit=limit + 60, soft_time_limit=limit
    )


class _Heartbeat:
    """Progress reports of the worker holding the claim; each one also renews the lease."""

    def __init__(self, *, asset_id: int, claim: uuid.UUID) -> None:
        self.asset_id = asset_id
        self.claim = claim
        self.last_write = time.monotonic()
        self.last_percent = 0

    def owned(self):
        return VideoAsset.objects.filter(pk=self.asset_id, claim=self.claim)

    def beat(self) -> bool:
        """Renew the lease at most once a second; False when the claim has been taken over."""
        if time.monotonic() - self.last_write < PROGRESS_WRITE_INTERVAL:
            return True
        self.last_write = time.monotonic()
        return bool(self.owned().update(claimed_at=timezone.now()))

    def progress(self, fraction: float) -> bool:
        if time.monotonic() - self.last_write < PROGRESS_WRITE_INTERVAL:
            return True
        # 100 % is written only with the switch-over, so "100" always means "published".
        percent = min(99, int(fraction * 100))
        self.last_write = time.monotonic()
        self.last_percent = percent
        return bool(self.owned().update(progress=percent, claimed_at=timezone.now()))


def _fail(heartbeat: _Heartbeat, message: str) -> None:
    heartbeat.owned().update(
        state=VideoAsset.State.FAILED,
        error_message=message,
        progress=0,
        claim=None,
        claimed_at=None,
        claimed_by="",
        updated_at=timezone.now(),
    )


def _local_source(*, asset: VideoAsset, workdir: Path, heartbeat: _Heartbeat) -> Path:
    """ffmpeg needs a local file: use the storage's own path when it has one, else copy it down."""
    storage = asset.source.storage
    try:
        path = Path(storage.path(asset.source.name))
    except NotImplementedError:
        path = None
    if path is not None:
        if not path.is_file():
            raise transcoding.ProbeError(_("The source file is missing from the storage; upload it again."))
        return path
    if not storage.exists(asset.source.name):
        raise transcoding.ProbeError(_("The source file is missing from the storage; upload it again."))
    local = workdir / ("source" + Path(asset.source.name).suffix)
    with storage.open(asset.source.name, "rb") as remote, open(local, "wb") as target:
        while chunk := remote.read(COPY_CHUNK):
            target.write(chunk)
            if not heartbeat.beat():
                raise transcoding.TranscodeAborted
    return local


def _publish_folder(*, output: Path, folder: str, heartbeat: _Heartbeat) -> None:
    """Save every output file through the storage; the master playlist goes last."""
    files = sorted(p for p in output.rglob("*") if p.is_file())
    files.sort(key=lambda p: p.name == transcoding.MASTER_PLAYLIST)
    for file in files:
        name = f"{folder}/{file.relative_to(output).as_posix()}"
        with open(file, "rb") as handle:
            saved = default_storage.save(name, File(handle))
        if saved != name:
            raise RuntimeError(f"storage renamed {name} to {saved}")
        if not heartbeat.beat():
            _delete_tree(folder)
            raise transcoding.TranscodeAborted


def _delete_renditions(*, asset: VideoAsset, keep: str) -> None:
    root = f"{HLS_ROOT}/{asset.uid}"
    folders, _files = default_storage.listdir(root)
    for name in folders:
        if f"{root}/{name}" != keep:
            _delete_tree(f"{root}/{name}")


def _delete_tree(folder: str) -> None:
    try:
        local = Path(default_storage.path(folder))
    except NotImplementedError:
        local = None
    if local is not None:
        shutil.rmtree(local, ignore_errors=True)
        return
    if not default_storage.exists(folder):
        return
    folders, files = default_storage.listdir(folder)
    for name in files:
        default_storage.delete(f"{folder}/{name}")
    for name in folders:
        _delete_tree(f"{folder}/{name}")
