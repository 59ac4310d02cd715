"""Demo clips generated with ffmpeg: the demo seed (courses.demo) and the benchmarks use them at run
time, the tests as fixtures. Only lavfi sources: no file to ship, any length and size on demand."""

import subprocess
from pathlib import Path

from media import conf


def make_clip(path: str | Path, *, seconds: float = 4, width: int = 640, height: int = 360, audio: bool = True) -> Path:
    """Write a short H.264 test clip (lavfi testsrc, plus a sine tone when `audio`) to `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    command = [
        conf.ffmpeg_binary(),
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        f"testsrc=duration={seconds}:size={width}x{height}:rate=25",
    ]
    if audio:
        command += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}:sample_rate=44100"]
    command += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    if audio:
        command += ["-c:a", "aac", "-b:a", "64k", "-shortest"]
    command.append(str(path))
    subprocess.run(command, check=True, capture_output=True)
    return path
