"""The ffmpeg side of transcoding: probe a local file, build the one-process HLS ladder command,
run it while reporting progress. No database here; `services.video_asset_transcode` drives it."""

import math
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import ffmpeg
from django.utils.translation import gettext as _

from media import conf

# (height, video kbit/s): the ladder offered when the source is at least that tall.
LADDER = [(1080, 5000), (720, 2800), (480, 1400), (360, 800)]
SMALL_SOURCE_KBPS = 600
AUDIO_KBPS = 128
MASTER_PLAYLIST = "master.m3u8"
POSTER_NAME = "poster.jpg"


class ProbeError(Exception):
    """The source cannot be transcoded; the message is written for an editor."""


@dataclass(frozen=True)
class Probe:
    duration: float
    width: int
    height: int
    fps: float
    has_audio: bool


@dataclass(frozen=True)
class Rung:
    height: int
    video_kbps: int


def probe(path: Path) -> Probe:
    try:
        info = ffmpeg.probe(str(path), cmd=conf.ffprobe_binary())
    except ffmpeg.Error as error:
        raise ProbeError(_("The file could not be read as a video: it is damaged or is not a video file.")) from error
    streams = info.get("streams", [])
    # Cover art in audio files arrives as a one-frame "video" stream; it is not a video.
    video = next(
        (s for s in streams if s.get("codec_type") == "video" and not s.get("disposition", {}).get("attached_pic")),
        None,
    )
    if video is None:
        raise ProbeError(_("The file has no video track (is it an audio recording or a document?)."))
    width, height = int(video.get("width") or 0), int(video.get("height") or 0)
    if width <= 0 or height <= 0:
        raise ProbeError(_("The video track has no picture size; the file is probably damaged."))
    duration = _float(info.get("format", {}).get("duration")) or _float(video.get("duration"))
    if not duration or duration <= 0:
        raise ProbeError(_("The video has zero length (is it a still image?)."))
    return Probe(
        duration=duration,
        width=width,
        height=height,
        fps=_frame_rate(video.get("avg_frame_rate")) or _frame_rate(video.get("r_frame_rate")) or 25.0,
        has_audio=any(s.get("codec_type") == "audio" for s in streams),
    )


def ladder(source_height: int) -> list[Rung]:
    rungs = [Rung(height, kbps) for height, kbps in LADDER if height <= source_height]
    if not rungs:
        # H.264 in 4:2:0 needs even dimensions.
        rungs = [Rung(max(2, source_height - source_height % 2), SMALL_SOURCE_KBPS)]
    return rungs


def transcode_command(source: Path, output_dir: Path, info: Probe) -> list[str]:
    """One ffmpeg process: decode once, `split` into every rung (and the poster), encode H.264/AAC
    with keyframes at the same instants in every rung, and write an HLS ladder with a master playlist."""
    rungs = ladder(info.height)
    segment = conf.hls_segment_seconds()
    # A keyframe every half segment, forced by time (not frame count) so every rung cuts at the same
    # instants whatever the frame rate; scene-cut keyframes are off so the GOP stays fixed.
    keyframe_every = segment / 2
    gop = max(1, round(info.fps * keyframe_every))
    source_input = ffmpeg.input(str(source))
    branches = source_input["v:0"].filter_multi_output("split", len(rungs) + 1)
    streams = []
    codec_args: dict[str, object] = {}
    for index, rung in enumerate(rungs):
        streams.append(branches[index].filter("scale", -2, rung.height).filter("format", "yuv420p"))
        if info.has_audio:
            streams.append(source_input["a:0"])
        codec_args[f"b:v:{index}"] = f"{rung.video_kbps}k"
        codec_args[f"maxrate:v:{index}"] = f"{round(rung.video_kbps * 1.07)}k"
        codec_args[f"bufsize:v:{index}"] = f"{rung.video_kbps * 2}k"
    if info.has_audio:
        codec_args.update({"c:a": "aac", "b:a": f"{AUDIO_KBPS}k", "ac": 2})
        stream_map = " ".join(f"v:{i},a:{i}" for i in range(len(rungs)))
    else:
        stream_map = " ".join(f"v:{i}" for i in range(len(rungs)))
    hls = ffmpeg.output(
        *streams,
        str(output_dir / "v%v" / "index.m3u8"),
        f="hls",
        **{
            "c:v": "libx264",
            "preset": conf.x264_preset(),
            "profile:v": "high",
            "g": gop,
            "keyint_min": gop,
            "sc_threshold": 0,
            "force_key_frames": f"expr:gte(t,n_forced*{keyframe_every})",
            **codec_args,
            "hls_time": segment,
            "hls_playlist_type": "vod",
            "hls_flags": "independent_segments",
            "hls_segment_filename": str(output_dir / "v%v" / "seg_%05d.ts"),
            "master_pl_name": MASTER_PLAYLIST,
            "var_stream_map": stream_map,
        },
    )
    # The poster: one frame a tenth of the way in (past black intro frames), from the same decode.
    poster_at = min(info.duration * 0.1, 10.0)
    poster = (
        branches[len(rungs)]
        .filter("select", f"gte(t,{poster_at:.3f})")
        .filter("scale", -2, min(info.height - info.height % 2, 720))
        .output(str(output_dir / POSTER_NAME), vframes=1, **{"q:v": 3})
    )
    graph = ffmpeg.merge_outputs(hls, poster)
    # Global options must precede the inputs: ffmpeg ignores trailing options.
    return [
        conf.ffmpeg_binary(),
        "-hide_banner",
        "-nostdin",
        "-y",
        "-loglevel",
        "error",
        "-nostats",
        "-progress",
        "pipe:1",
        "-stats_period",
        "0.5",
        *graph.get_args(),
    ]


class TranscodeError(Exception):
    """ffmpeg failed; the message is written for an editor, the tail of ffmpeg's log follows it."""


class TranscodeAborted(Exception):
    """The progress callback asked to stop (the claim was lost)."""


def run(command: list[str], *, duration: float, on_progress: Callable[[float], bool]) -> None:
    """Run ffmpeg, calling `on_progress(fraction)` for each `-progress` report; the callback
    returns False to stop ffmpeg."""
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True)
        try:
            for line in process.stdout:
                key, _sep, value = line.strip().partition("=")
                if key == "out_time_us" and value.lstrip("-").isdigit():
                    fraction = min(1.0, max(0.0, int(value) / 1_000_000 / duration))
                    if not on_progress(fraction):
                        process.kill()
                        process.wait()
                        raise TranscodeAborted
            process.wait()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        if process.returncode != 0:
            log.seek(0)
            tail = log.read().decode("utf-8", "replace").strip().splitlines()[-3:]
            raise TranscodeError(
                _("Transcoding failed (ffmpeg exit code %(code)s): %(details)s")
                % {"code": process.returncode, "details": " ".join(tail) or "-"}
            )


def _float(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _frame_rate(value: str | None) -> float | None:
    if not value or "/" not in value:
        return _float(value)
    numerator, _sep, denominator = value.partition("/")
    num, den = _float(numerator), _float(denominator)
    if not num or not den:
        return None
    return num / den
