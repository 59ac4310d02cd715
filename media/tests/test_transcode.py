import re
import uuid
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext

from media import transcoding
from media.models import VideoAsset
from media.services import video_asset_create, video_asset_retranscode, video_asset_transcode

pytestmark = pytest.mark.django_db

EXTINF = re.compile(r"^#EXTINF:([\d.]+),", re.MULTILINE)


def read(name: str) -> str:
    with default_storage.open(name, "rb") as handle:
        return handle.read().decode()


def segment_durations(playlist: str) -> list[float]:
    return [float(value) for value in EXTINF.findall(playlist)]


def test_transcode_builds_the_ladder_up_to_the_source_height(asset_from, clip_720):
    asset = asset_from(clip_720)
    assert asset.state == VideoAsset.State.PENDING

    asset = video_asset_transcode(asset_id=asset.pk)

    assert asset.state == VideoAsset.State.READY, asset.error_message
    assert asset.progress == 100
    assert (asset.width, asset.height) == (1280, 720)
    assert asset.duration == pytest.approx(6.0, abs=0.1)
    master = read(f"{asset.hls_path}/master.m3u8")
    assert re.findall(r"RESOLUTION=\d+x(\d+)", master) == ["720", "480", "360"]
    assert "mp4a.40.2" in master  # AAC audio in every rung
    rungs = [segment_durations(read(f"{asset.hls_path}/v{index}/index.m3u8")) for index in range(3)]
    for durations in rungs:
        assert durations and max(durations) <= 6.0
        assert sum(durations) == pytest.approx(asset.duration, abs=0.25)
    # Keyframes at the same instants in every rung: the segments cut at the same times.
    assert rungs[0] == rungs[1] == rungs[2]
    assert default_storage.size(asset.poster) > 0


def test_small_silent_source_gets_one_rung_at_its_own_height(asset_from, clip_small_silent):
    asset = video_asset_transcode(asset_id=asset_from(clip_small_silent).pk)

    assert asset.state == VideoAsset.State.READY, asset.error_message
    master = read(f"{asset.hls_path}/master.m3u8")
    assert re.findall(r"RESOLUTION=(\d+x\d+)", master) == ["320x240"]
    assert "mp4a" not in master
    durations = segment_durations(read(f"{asset.hls_path}/v0/index.m3u8"))
    assert sum(durations) == pytest.approx(3.0, abs=0.25)


def test_command_is_one_ffmpeg_process_with_split_and_var_stream_map(tmp_path):
    info = transcoding.Probe(duration=10, width=1920, height=1080, fps=30, has_audio=True)
    command = transcoding.transcode_command(Path("in.mp4"), tmp_path, info)
    joined = " ".join(command)
    assert "split=5" in joined  # four rungs and the poster from one decode
    assert command[command.index("-var_stream_map") + 1] == "v:0,a:0 v:1,a:1 v:2,a:2 v:3,a:3"
    assert command[command.index("-sc_threshold") + 1] == "0"
    assert command.index("-progress") < command.index("-i")


def test_a_text_file_renamed_mp4_fails_with_a_readable_message(asset_from, tmp_path):
    fake = tmp_path / "lecture.mp4"
    fake.write_text("This is not a video at all.\n" * 50)

    asset = video_asset_transcode(asset_id=asset_from(fake).pk)

    assert asset.state == VideoAsset.State.FAILED
    assert asset.error_message == gettext(
        "The file could not be read as a video: it is damaged or is not a video file."
    )
    assert asset.hls_path == "" and asset.claim is None


def test_an_audio_only_file_fails_with_no_video_track(asset_from, tmp_path):
    import subprocess

    audio = tmp_path / "talk.m4a"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "sine=duration=2", "-c:a", "aac", str(audio)],
        check=True,
    )
    asset = video_asset_transcode(asset_id=asset_from(audio).pk)

    assert asset.state == VideoAsset.State.FAILED
    assert asset.error_message == gettext("The file has no video track (is it an audio recording or a document?).")


def test_a_still_image_fails_with_zero_length(asset_from, tmp_path):
    import subprocess

    image = tmp_path / "slide.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x240",
            "-frames:v",
            "1",
            "-f",
            "image2",
            "-c:v",
            "png",
            str(image),
        ],
        check=True,
    )
    asset = video_asset_transcode(asset_id=asset_from(image).pk)

    assert asset.state == VideoAsset.State.FAILED
    assert asset.error_message == gettext("The video has zero length (is it a still image?).")


def test_a_truncated_upload_fails_as_damaged(asset_from, clip_720, tmp_path):
    truncated = tmp_path / "cut.mp4"
    truncated.write_bytes(clip_720.read_bytes()[: clip_720.stat().st_size // 2])

    asset = video_asset_transcode(asset_id=asset_from(truncated).pk)

    assert asset.state == VideoAsset.State.FAILED
    assert asset.error_message == gettext(
        "The file could not be read as a video: it is damaged or is not a video file."
    )


def test_a_second_call_finds_the_work_done(asset_from, clip_small_silent):
    asset = video_asset_transcode(asset_id=asset_from(clip_small_silent).pk)
    again = video_asset_transcode(asset_id=asset.pk)
    assert again.state == VideoAsset.State.READY
    assert again.hls_path == asset.hls_path


def test_a_live_claim_is_not_taken_but_a_stale_one_is(asset_from, clip_small_silent, settings):
    from django.utils import timezone

    asset = asset_from(clip_small_silent)
    VideoAsset.objects.filter(pk=asset.pk).update(state="processing", claimed_at=timezone.now())
    assert video_asset_transcode(asset_id=asset.pk).state == VideoAsset.State.PROCESSING

    # The worker holding the claim died: once the lease has run out, the next attempt takes over.
    settings.MEDIA_TRANSCODE_LEASE_SECONDS = 0
    assert video_asset_transcode(asset_id=asset.pk).state == VideoAsset.State.READY


def test_a_restarted_worker_releases_its_predecessors_claims_only(
    asset_from, clip_small_silent, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from media.services import video_asset_claims_release

    asset = asset_from(clip_small_silent)
    VideoAsset.objects.filter(pk=asset.pk).update(
        state="processing", claim=uuid.uuid4(), claimed_at=timezone.now(), claimed_by="transcode@a"
    )
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert video_asset_claims_release(worker="transcode@b") == 0
        assert video_asset_claims_release(worker="") == 0
    assert queued == []
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert video_asset_claims_release(worker="transcode@a") == 1
    assert len(queued) == 1
    released = VideoAsset.objects.get(pk=asset.pk)
    assert (released.claim, released.claimed_at, released.claimed_by) == (None, None, "")
    # The queued job takes the released claim though the lease would still run.
    done = video_asset_transcode(asset_id=asset.pk, worker="transcode@a")
    assert done.state == VideoAsset.State.READY and done.claimed_by == ""


def test_interrupted_transcode_is_never_half_published_and_can_be_retried(asset_from, clip_small_silent, monkeypatch):
    asset = asset_from(clip_small_silent)
    real_run = transcoding.run

    def killed(command, *, duration, on_progress):
        # ffmpeg is stopped past half-way, as when its worker is killed; its partial output was in a temp dir.
        real_run(command, duration=duration, on_progress=lambda fraction: fraction < 0.5)

    monkeypatch.setattr(transcoding, "run", killed)
    interrupted = video_asset_transcode(asset_id=asset.pk)
    assert interrupted.state == VideoAsset.State.PROCESSING
    assert interrupted.hls_path == ""
    assert not default_storage.exists(f"video/hls/{asset.uid}")

    monkeypatch.setattr(transcoding, "run", real_run)
    VideoAsset.objects.filter(pk=asset.pk).update(claimed_at=None)  # the lease has run out
    retried = video_asset_transcode(asset_id=asset.pk)
    assert retried.state == VideoAsset.State.READY


def test_retranscode_publishes_a_new_folder_and_removes_the_old_one(
    asset_from, clip_small_silent, django_capture_on_commit_callbacks
):
    asset = video_asset_transcode(asset_id=asset_from(clip_small_silent).pk)
    old = asset.hls_path
    with django_capture_on_commit_callbacks(execute=False) as queued:
        pending = video_asset_retranscode(asset_id=asset.pk)
    assert len(queued) == 1
    assert pending.state == VideoAsset.State.PENDING
    assert pending.hls_path == old and pending.playable  # still playable while it is redone

    done = video_asset_transcode(asset_id=asset.pk)
    assert done.state == VideoAsset.State.READY and done.hls_path != old
    assert not default_storage.exists(f"{old}/master.m3u8")
    assert default_storage.exists(f"{done.hls_path}/master.m3u8")


def test_retranscode_refuses_a_running_transcode(asset_from, clip_small_silent):
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    asset = asset_from(clip_small_silent)
    VideoAsset.objects.filter(pk=asset.pk).update(state="processing", claimed_at=timezone.now())
    with pytest.raises(ValidationError):
        video_asset_retranscode(asset_id=asset.pk)


def test_create_streams_an_upload_and_queues_after_commit(django_capture_on_commit_callbacks, clip_small_silent):
    upload = SimpleUploadedFile("урок 1.mp4", clip_small_silent.read_bytes(), content_type="video/mp4")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        asset = video_asset_create(title="  Урок 1 ", source=upload)
    assert asset.title == "Урок 1"
    assert len(queued) == 1
    assert default_storage.size(asset.source.name) == clip_small_silent.stat().st_size


def test_create_refuses_too_large_empty_and_missing_files(tmp_path, settings):
    from django.core.exceptions import ValidationError

    settings.MEDIA_MAX_UPLOAD_SIZE = 10
    big = tmp_path / "big.mp4"
    big.write_bytes(b"x" * 11)
    with pytest.raises(ValidationError) as too_big:
        video_asset_create(title="x", source=big)
    assert "source" in too_big.value.message_dict
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(ValidationError):
        video_asset_create(title="x", source=empty)
    with pytest.raises(ValidationError):
        video_asset_create(title="x", source=tmp_path / "missing.mp4")
    assert not VideoAsset.objects.exists()


def test_missing_asset_raises_does_not_exist():
    with pytest.raises(VideoAsset.DoesNotExist):
        video_asset_transcode(asset_id=987654)
