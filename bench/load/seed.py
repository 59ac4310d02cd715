"""What the load needs in the stack's database, and the check afterwards (the runner's Django is
set up on the stack's settings and database, bench/load/__main__.py).

The viewers are participants of the demo season's introductory track (`load-viewer-NNNN`, made in
bulk as bench/bench_beats.py makes its viewers), watching one lecture of an hour in a course of
their own (`load-course`), so the demo's own courses and people are left as they are. Each gets a
session as a login makes one (the session store's own `create`, with the keys
`django.contrib.auth.login` writes): 2,000 logins through the form would spend minutes hashing
passwords, which is not what is measured."""

import time
from datetime import timedelta

LOAD_COURSE_SLUG = "load-course"
LOAD_COURSE_TITLE = "Нагрузочный курс"
LOAD_LECTURE_SLUG = "load-lecture"
LOAD_LECTURE_SECONDS = 3600.0
USERNAME = "load-viewer-{:05d}"
SEASON_SLUG = "demo-season"


def lecture_ensure():
    """The load lecture (idempotent): open since yesterday, a month before its deadline, an hour
    long. Its video plays the demo's first transcoded stream, so the page's player works in a
    browser too; only the duration, which the beats are checked against, is the hour's."""
    from django.utils import timezone

    from courses.demo import course_index_ensure
    from courses.models import CoursePage, LecturePage
    from lms.choices import Track
    from lms.models import Season
    from media.models import VideoAsset

    lecture = LecturePage.objects.filter(slug=LOAD_LECTURE_SLUG).first()
    if lecture is not None:
        return lecture
    season = Season.objects.get(slug=SEASON_SLUG)
    course = CoursePage.objects.filter(slug=LOAD_COURSE_SLUG).first()
    if course is None:
        course = CoursePage(
            title=LOAD_COURSE_TITLE,
            slug=LOAD_COURSE_SLUG,
            season=season,
            track=Track.INTRODUCTORY,
            summary="Курс нагрузочного прогона (make load).",
        )
        course_index_ensure().add_child(instance=course)
    stream = VideoAsset.objects.filter(state="ready").exclude(hls_path="").order_by("pk").first()
    video = VideoAsset.objects.create(
        title="load",
        source="video/sources/load/source.mp4",
        state="ready",
        duration=LOAD_LECTURE_SECONDS,
        hls_path=stream.hls_path if stream else "video/hls/load/",
    )
    now = timezone.now()
    lecture = LecturePage(
        title="Лекция нагрузочного прогона",
        slug=LOAD_LECTURE_SLUG,
        video=video,
        available_from=now - timedelta(days=1),
        deadline=now + timedelta(days=30),
    )
    course.add_child(instance=lecture)
    return lecture


def viewers_ensure(*, count: int) -> list[int]:
    """The ids of `count` load participants' users, made in bulk where missing."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from bench.common import participants_bulk_enrol
    from lms.models import Season

    User = get_user_model()
    names = [USERNAME.format(number) for number in range(count)]
    with transaction.atomic():
        have = set(User.objects.filter(username__in=names).values_list("username", flat=True))
        missing = [name for name in names if name not in have]
        # An unusable password: they never log in through the form (see the module's docstring).
        users = User.objects.bulk_create(
            [User(username=name, email=f"{name}@load.local", password=make_password(None)) for name in missing],
            batch_size=1000,
        )
        participants_bulk_enrol(season_id=Season.objects.get(slug=SEASON_SLUG).pk, users=users)
    by_name = dict(User.objects.filter(username__in=names).values_list("username", "pk"))
    return [by_name[name] for name in names]


def sessions_make(*, user_ids: list[int]) -> list[str]:
    """A logged-in session for each user, in the configured session store, as `login()` writes it."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model

    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    # The backend a password login through allauth records.
    backend = next(path for path in settings.AUTHENTICATION_BACKENDS if "allauth" in path)
    keys = []
    for user in get_user_model().objects.filter(pk__in=user_ids).order_by("pk"):
        session = store_class()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = backend
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        keys.append((user.pk, session.session_key))
    by_user = dict(keys)
    return [by_user[user_id] for user_id in user_ids]


def flush_drained(*, timeout: float = 60.0) -> bool:
    """Wait until the beat worker's flush has stored every credited span (the stream is empty)."""
    from courses.selectors import progress_flush_health

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        health = progress_flush_health()
        if health.reachable and health.pending == 0:
            return True
        time.sleep(0.5)
    return False


def progress_reset(*, lecture_id: int, user_ids: list[int]) -> None:
    """The load lecture's progress of the load viewers, gone from the database and Redis (the flush
    must have drained the stream first), so each run starts its viewers from zero."""
    import redis
    from django.conf import settings

    from courses.beats.stores import spans_key
    from courses.models import LecturePlayback, LectureProgress

    LectureProgress.objects.filter(lecture_id=lecture_id, user_id__in=user_ids).delete()
    LecturePlayback.objects.filter(lecture_id=lecture_id, user_id__in=user_ids).delete()
    client = redis.Redis.from_url(settings.REDIS_URL)
    for start in range(0, len(user_ids), 500):
        chunk = user_ids[start : start + 500]
        client.delete(*[spans_key(user_id, lecture_id) for user_id in chunk])
        client.delete(*[f"courses:lease:{user_id}" for user_id in chunk])


def progress_stored(*, lecture_id: int, user_ids: list[int]) -> dict[int, float]:
    """The watched seconds stored in PostgreSQL for each load viewer (after the flush)."""
    from courses.models import LectureProgress

    return dict(
        LectureProgress.objects.filter(lecture_id=lecture_id, user_id__in=user_ids).values_list(
            "user_id", "watched_seconds"
        )
    )
