import pytest

from media.demo import make_clip
from media.services import video_asset_create


@pytest.fixture(scope="session")
def clip_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("clips")


@pytest.fixture(scope="session")
def clip_720(clip_dir):
    """Six seconds at 720p with sound: two rungs (720p, 480p, 360p), two segments each."""
    return make_clip(clip_dir / "clip720.mp4", seconds=6, width=1280, height=720)


@pytest.fixture(scope="session")
def clip_small_silent(clip_dir):
    """Below 360p and without sound: one rung at its own height, video only."""
    return make_clip(clip_dir / "small.mp4", seconds=3, width=320, height=240, audio=False)


@pytest.fixture
def asset_from(django_capture_on_commit_callbacks):
    """Create an asset from a file without running the queued task (tests call the service)."""

    def create(path, title="Лекция"):
        with django_capture_on_commit_callbacks(execute=False):
            return video_asset_create(title=title, source=path)

    return create
