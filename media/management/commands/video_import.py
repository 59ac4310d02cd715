import time
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from media.models import VideoAsset
from media.selectors import video_asset_get
from media.services import video_asset_create

FINAL_STATES = {VideoAsset.State.READY, VideoAsset.State.FAILED}


class Command(BaseCommand):
    help = "Create video assets from files and queue their transcodes (e.g. a season's recordings)."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="video files to import")
        parser.add_argument("--title", help="title (with several files, a number is appended); default: file name")
        parser.add_argument("--wait", action="store_true", help="wait for every transcode and print its final state")
        parser.add_argument("--timeout", type=float, default=6 * 3600, help="seconds --wait waits at most")

    def handle(self, *args, files, title=None, wait=False, timeout=0, **options):
        paths = [Path(name) for name in files]
        missing = [str(path) for path in paths if not path.is_file()]
        if missing:
            raise CommandError(f"Not a file: {', '.join(missing)}")
        created: list[int] = []
        failures = 0
        for number, path in enumerate(paths, start=1):
            name = title or path.stem
            if title and len(paths) > 1:
                name = f"{title} ({number})"
            try:
                asset = video_asset_create(title=name, source=path)
            except ValidationError as error:
                failures += 1
                self.stderr.write(f"{path}: {' '.join(error.messages)}")
                continue
            created.append(asset.pk)
            self.stdout.write(f"{asset.pk}\t{asset.state}\t{path}")
        if wait:
            failures += self._wait(created, timeout)
        if failures:
            raise CommandError(f"{failures} of {len(paths)} file(s) failed")

    def _wait(self, ids: list[int], timeout: float) -> int:
        deadline = time.monotonic() + timeout
        remaining = list(ids)
        failures = 0
        while remaining and time.monotonic() < deadline:
            for asset_id in list(remaining):
                asset = video_asset_get(asset_id=asset_id)
                if asset is None or asset.state in FINAL_STATES:
                    remaining.remove(asset_id)
                    state = asset.state if asset else "deleted"
                    failures += state != VideoAsset.State.READY
                    detail = f"\t{asset.error_message}" if asset and asset.error_message else ""
                    self.stdout.write(f"{asset_id}\t{state}{detail}")
            if remaining:
                time.sleep(1)
        for asset_id in remaining:
            self.stdout.write(f"{asset_id}\tstill {video_asset_get(asset_id=asset_id).state} (timed out)")
        return failures + len(remaining)
