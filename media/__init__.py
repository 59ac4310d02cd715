"""Videos: upload, transcoding to HLS with ffmpeg (a queue of its own), protected delivery through
signed, expiring playback tokens, and the editors' video library in Wagtail. Media knows no
lectures, sessions or scores (an import contract forbids it): other apps decide who may watch,
media signs and serves.

Other apps may call: `media.selectors` (`video_playback_url`, `video_poster_url`, asset reads),
`media.services` (`video_asset_create`, `video_asset_transcode`) and `media.demo` (`make_clip`,
short ffmpeg-generated clips for demo seeds, benchmarks and tests). Never `media.models` (an
import contract forbids it); `media.tokens` is media's own."""
