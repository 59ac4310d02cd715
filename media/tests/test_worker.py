import os
import signal
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from media.demo import make_clip
from media.models import VideoAsset
from media.services import video_asset_create, video_asset_requeue_stale
from tests.plugin import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.redis]


def state_of(asset_id: int) -> VideoAsset:
    return VideoAsset.objects.get(pk=asset_id)


def test_a_real_worker_transcodes_on_the_transcode_queue(celery_worker_process, clip_small_silent):
    celery_worker_process(queues="transcode")
    asset = video_asset_create(title="Через воркер", source=clip_small_silent)

    done = wait_for(
        lambda: state_of(asset.pk).state in ("ready", "failed") and state_of(asset.pk),
        timeout=90,
        message="the worker did not finish the transcode",
    )
    assert done.state == "ready", done.error_message
    assert done.hls_path and done.progress == 100


def _killed_mid_transcode(celery_worker_process, tmp_path) -> VideoAsset:
    clip = make_clip(tmp_path / "long.mp4", seconds=12, width=1280, height=720)
    worker = celery_worker_process(queues="transcode", name="transcode")
    asset = video_asset_create(title="Прерванная", source=clip)

    wait_for(lambda: state_of(asset.pk).progress > 0, timeout=90, message="the transcode never reported progress")
    os.killpg(worker.pid, signal.SIGKILL)  # the worker and its ffmpeg die at once
    worker.wait()

    killed = state_of(asset.pk)
    assert killed.state == "processing" and killed.claimed_by.startswith("transcode@")
    assert killed.hls_path == "" and killed.progress < 100  # never half-published
    return killed


def test_a_worker_killed_mid_transcode_leaves_the_asset_retryable(celery_worker_process, tmp_path):
    asset = _killed_mid_transcode(celery_worker_process, tmp_path)

    # The dead worker's lease runs out; the sweeper re-queues the asset and a worker of another
    # name (another machine) finishes it.
    VideoAsset.objects.filter(pk=asset.pk).update(claimed_at=timezone.now() - timedelta(hours=1))
    celery_worker_process(queues="transcode", name="other")
    assert video_asset_requeue_stale() == 1
    done = wait_for(
        lambda: state_of(asset.pk).state in ("ready", "failed") and state_of(asset.pk),
        timeout=120,
        message="the retried transcode did not finish",
    )
    assert done.state == "ready", done.error_message


def test_a_worker_killed_mid_transcode_takes_the_job_up_again_when_it_is_restarted(celery_worker_process, tmp_path):
    asset = _killed_mid_transcode(celery_worker_process, tmp_path)

    # Started again under its name, as a supervisor does, within the lease: its predecessor's claim
    # is released and the job queued at once (no beat runs here to re-queue anything).
    celery_worker_process(queues="transcode", name="transcode")
    done = wait_for(
        lambda: state_of(asset.pk).state in ("ready", "failed") and state_of(asset.pk),
        timeout=120,
        message="the restarted worker did not take the transcode up again",
    )
    assert done.state == "ready", done.error_message
    assert done.claimed_by == "" and done.claim is None


def test_video_import_command_waits_for_the_final_state(celery_worker_process, clip_small_silent, tmp_path, capsys):
    celery_worker_process(queues="transcode")
    broken = tmp_path / "broken.mp4"
    broken.write_text("not a video")

    with pytest.raises(Exception, match="1 of 2"):
        call_command(
            "video_import", str(clip_small_silent), str(broken), "--title", "Сезон", "--wait", "--timeout", "90"
        )

    output = capsys.readouterr().out.splitlines()
    finals = {line.split("\t")[0]: line.split("\t")[1] for line in output[2:]}
    assert sorted(finals.values()) == ["failed", "ready"]
    assert set(VideoAsset.objects.values_list("title", flat=True)) == {"Сезон (1)", "Сезон (2)"}
