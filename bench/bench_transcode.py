"""Transcode benchmark: our task (claim, probe, one-process ffmpeg ladder, progress reports,
publishing through the storage) against the identical raw ffmpeg command line on the same input.

Target: our overhead at most 5 % over raw ffmpeg. The realtime factor (media seconds per wall
second) is printed for both. Each side runs twice, alternating, and the faster run counts, so a
burst of load from elsewhere on the machine does not decide the result."""

import subprocess
import tempfile
import time
from pathlib import Path

from bench.common import django_setup

CLIP_SECONDS = 20
TARGET_OVERHEAD = 0.05
ROUNDS = 2


def run() -> bool:
    django_setup()
    from django.core.files import File
    from django.test.utils import override_settings

    from media import conf, transcoding
    from media.demo import make_clip
    from media.models import VideoAsset
    from media.tasks import video_asset_transcode_task

    with tempfile.TemporaryDirectory(prefix="bench-transcode-") as workdir:
        work = Path(workdir)
        clip = make_clip(work / "clip.mp4", seconds=CLIP_SECONDS, width=1280, height=720)
        info = transcoding.probe(clip)

        def raw_ffmpeg() -> float:
            output = Path(tempfile.mkdtemp(dir=work))
            command = transcoding.transcode_command(clip, output, info)
            started = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            return time.perf_counter() - started

        def our_task() -> float:
            # The asset row is made directly: creating it through the service would queue the task.
            asset = VideoAsset(title="bench")
            with open(clip, "rb") as handle:
                asset.source.save("clip.mp4", File(handle), save=True)
            started = time.perf_counter()
            state = video_asset_transcode_task.apply(kwargs={"asset_id": asset.pk}).get()
            elapsed = time.perf_counter() - started
            asset.delete()
            if state != VideoAsset.State.READY:
                raise RuntimeError(f"the transcode ended {state}")
            return elapsed

        with override_settings(MEDIA_ROOT=work / "media"):
            # Warm the page cache and ffmpeg's libraries so neither side pays for the first start.
            clip.read_bytes()
            subprocess.run([conf.ffmpeg_binary(), "-hide_banner", "-version"], check=True, capture_output=True)
            raw_runs, our_runs = [], []
            for _round in range(ROUNDS):
                raw_runs.append(raw_ffmpeg())
                our_runs.append(our_task())
    raw, ours = min(raw_runs), min(our_runs)
    overhead = ours / raw - 1
    rungs = [rung.height for rung in transcoding.ladder(info.height)]
    print(f"input: {CLIP_SECONDS} s at {info.width}x{info.height} with audio; rungs {rungs}; best of {ROUNDS}")
    print(f"raw ffmpeg:    {raw:6.2f} s   realtime x{CLIP_SECONDS / raw:5.2f}   runs {_fmt(raw_runs)}")
    print(f"our task:      {ours:6.2f} s   realtime x{CLIP_SECONDS / ours:5.2f}   runs {_fmt(our_runs)}")
    print(f"overhead: {overhead * 100:+.1f} % (target <= {TARGET_OVERHEAD * 100:.0f} %)")
    return overhead <= TARGET_OVERHEAD


def _fmt(runs: list[float]) -> str:
    return ", ".join(f"{value:.2f}" for value in runs)
