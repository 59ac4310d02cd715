"""Progress beats benchmark: our endpoint against a Django view that reads the body and makes one
Redis round trip (the ceiling: the least a beat must do) and a naive DRF view doing one INSERT per
beat (the baseline), and against itself with the beat script as it was before the lease rules of
issue 11 §1 (bench/beats_prelease.py), each behind the same gunicorn on 127.0.0.1, driven by the
same load generator, in one run.

Printed: beats/s and p99 latency of each, the ratios, and whether, after the flush, the watched
seconds stored in PostgreSQL equal those the endpoint credited. Targets: ≥ 80 % of the ceiling,
≥ 2.5 × the baseline, p99 ≤ 50 ms, the lease rules within 10 % of the pre-lease script, no errors.

The comparison views live here, in a bench-only URLconf that this module provides to the gunicorn
it starts (`bench.bench_beats:wsgi_app`); the product never loads them."""

import asyncio
import http.client
import json
import os
import signal
import subprocess
import time
import uuid

from bench.common import (
    GUNICORN_WORKERS,
    django_setup,
    free_port,
    gunicorn_start,
    http_exchange,
    participants_bulk_enrol,
    wait_up,
)

VIEWERS = 300
CONNECTIONS = 12
# Runs of a few seconds, the best of three per endpoint: with runs of about one second, whatever
# else the machine did moved the figures by a quarter from one run to the next.
REQUESTS_PER_RUN = 8000
RUN_TIME_LIMIT = 20.0
ROUNDS = 3
TARGET_OF_CEILING = 0.80
TARGET_OVER_BASELINE = 2.5
TARGET_P99_MS = 50.0
TARGET_OF_PRE_LEASE = 0.90
CEILING = "ceiling (body + one Redis round trip)"
OURS = "ours (progress endpoint)"
PRE_LEASE = "ours with the pre-lease script"
BASELINE = "baseline (naive DRF, INSERT per beat)"
NAIVE_TABLE = "bench_naive_beat"

# ----------------------------------------------------------------- the bench-only site (gunicorn side)

_application = None


def wsgi_app(environ, start_response):
    """The site with the bench URLconf; Django is set up on the first request of each worker."""
    global _application
    if _application is None:
        import django
        from django.conf import settings

        django.setup()
        settings.ROOT_URLCONF = __name__
        from django.core.wsgi import get_wsgi_application

        _application = get_wsgi_application()
    return _application(environ, start_response)


def _urlpatterns() -> list:
    import threading

    import redis
    from django.conf import settings
    from django.db import connection
    from django.http import HttpResponse
    from django.urls import include, path
    from django.utils import timezone
    from django.views.decorators.csrf import csrf_exempt
    from rest_framework.response import Response
    from rest_framework.views import APIView

    from bench.beats_prelease import PreLeaseStore
    from courses import services
    from courses.apis import LectureProgressCreateApi, beat_input_parse
    from courses.beats.script_caller import ScriptCaller
    from lms.middleware import sessionless

    # The ceiling's one round trip goes over the same plain socket as our beat script.
    store_body = ScriptCaller(redis.Redis.from_url(settings.REDIS_URL), "redis.call('SET', KEYS[1], ARGV[1]) return 1")

    @sessionless
    @csrf_exempt
    def ceiling(request, lecture_id: int):
        store_body(keys=[f"bench:ceiling:{lecture_id}"], args=[request.body])
        return HttpResponse(b'{"ok": true}', content_type="application/json")

    # The pre-lease variant is our endpoint with another store: the service's store is looked up per
    # request, and for this view's requests it is the pre-lease one (both views pay the lookup).
    chosen = threading.local()
    pre_lease_store = PreLeaseStore(settings.REDIS_URL)
    product_store = services.progress_store
    services.progress_store = lambda: pre_lease_store if getattr(chosen, "pre_lease", False) else product_store()

    class PreLeaseBeatApi(LectureProgressCreateApi):
        def post(self, request, lecture_id: int):
            chosen.pre_lease = True
            try:
                return super().post(request, lecture_id)
            finally:
                chosen.pre_lease = False

    class NaiveBeatApi(APIView):
        """What one writes first: validate the beat, INSERT it."""

        def post(self, request, lecture_id: int):
            data = beat_input_parse(request.data)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {NAIVE_TABLE} (user_id, lecture_id, playback_id, seq, start_s, end_s, rate,"
                    " visible, received_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    [
                        request.user.pk,
                        lecture_id,
                        str(data["playback_id"]),
                        data["seq"],
                        data["from"],
                        data["to"],
                        data["rate"],
                        data["visible"],
                        timezone.now(),
                    ],
                )
            return Response({"ok": True})

    return [
        path("bench/ceiling/<int:lecture_id>/", ceiling),
        path("bench/naive/<int:lecture_id>/", NaiveBeatApi.as_view()),
        path("bench/pre-lease/<int:lecture_id>/", PreLeaseBeatApi.as_view()),
        path("", include("lms.urls")),
    ]


def __getattr__(name: str):
    # Django reads `urlpatterns` from this module only after it is set up (see wsgi_app).
    if name == "urlpatterns":
        return _urlpatterns()
    raise AttributeError(name)


# ----------------------------------------------------------------- data


def _seed() -> tuple[int, list[tuple[int, str]]]:
    """A course with one hour-long lecture and VIEWERS participants with API tokens (idempotent)."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone
    from knox.models import AuthToken

    from courses.demo import course_index_ensure
    from courses.models import CoursePage, LecturePage
    from media.models import VideoAsset
    from tests.factories import SeasonFactory

    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {NAIVE_TABLE} (id bigserial PRIMARY KEY, user_id bigint, lecture_id bigint,"
            " playback_id uuid, seq integer, start_s double precision, end_s double precision,"
            " rate double precision, visible boolean, received_at timestamptz)"
        )
    User = get_user_model()
    with transaction.atomic():
        lecture = LecturePage.objects.filter(slug="bench-lecture").first()
        if lecture is None:
            season = SeasonFactory(slug="bench-season")
            course = CoursePage(title="Bench course", slug="bench-course", season=season, track="introductory")
            course_index_ensure().add_child(instance=course)
            video = VideoAsset.objects.create(
                title="bench", source="bench.mp4", state="ready", duration=3600.0, hls_path="video/hls/bench/"
            )
            now = timezone.now()
            lecture = LecturePage(
                title="Bench lecture",
                slug="bench-lecture",
                video=video,
                available_from=now - timedelta(days=1),
                deadline=now + timedelta(days=3650),
            )
            course.add_child(instance=lecture)
        course = lecture.get_parent().specific
        have = set(User.objects.filter(username__startswith="bench-viewer-").values_list("username", flat=True))
        missing = [f"bench-viewer-{n}" for n in range(VIEWERS) if f"bench-viewer-{n}" not in have]
        users = User.objects.bulk_create([User(username=name, email=f"{name}@bench.local") for name in missing])
        participants_bulk_enrol(season_id=course.season_id, users=users)
        viewers = User.objects.filter(username__startswith="bench-viewer-").order_by("pk")
        # knox keeps only digests, so each run issues fresh tokens and drops the last run's.
        AuthToken.objects.filter(user__in=viewers).delete()
        tokens = [(user.pk, AuthToken.objects.create(user=user)[1]) for user in viewers]
    return lecture.pk, tokens


def _reset(lecture_id: int) -> None:
    """Start from zero: no stored progress, no playback state or spans in Redis, an empty naive table."""
    import redis
    from django.conf import settings
    from django.db import connection

    from courses.models import LecturePlayback, LectureProgress

    LectureProgress.objects.filter(lecture_id=lecture_id).delete()
    LecturePlayback.objects.filter(lecture_id=lecture_id).delete()
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {NAIVE_TABLE}")
    client = redis.Redis.from_url(settings.REDIS_URL)
    keys = list(client.scan_iter("courses:*", count=1000)) + list(client.scan_iter("bench:*", count=1000))
    for start in range(0, len(keys), 500):
        client.delete(*keys[start : start + 500])


# ----------------------------------------------------------------- the load generator


class Viewer:
    """One participant's playback: opens with seq 0, then reports one media second per beat.

    The comparison views authenticate with the participant's API token (DRF's token check, as any
    API would); our endpoint takes the signed beat key that the lecture API hands the player
    (fetched over HTTP before each run, see `_beat_keys`)."""

    def __init__(self, user_id: int, token: str):
        self.user_id = user_id
        self.token = token
        self.auth = f"Authorization: Token {token}".encode()
        self.playback = str(uuid.uuid4())
        self.seq = 0
        self.position = 0.0
        self.watched = 0.0

    def next_body(self) -> bytes:
        start = self.position
        end = start if self.seq == 0 else min(start + 1.0, 3600.0)
        body = {"playback_id": self.playback, "seq": self.seq, "from": start, "to": end, "rate": 1, "visible": True}
        self.seq += 1
        self.position = end
        return json.dumps(body).encode()


async def _connection(port, path, viewers, queue, latencies, errors, stop_at, answers):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.monotonic() < stop_at:
            try:
                index = queue.pop()
            except IndexError:
                return
            viewer = viewers[index % len(viewers)]
            body = viewer.next_body()
            request = (
                b"POST "
                + path
                + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + viewer.auth
                + b"\r\nContent-Length: "
                + str(len(body)).encode()
                + b"\r\n\r\n"
                + body
            )
            started = time.perf_counter()
            status, payload, close = await http_exchange(reader, writer, request)
            latencies.append(time.perf_counter() - started)
            if status != 200:
                errors.append((status, payload[:200]))
            elif answers is not None:
                answers[viewer.user_id] = json.loads(payload)["watched_seconds"]
            if close:
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
    finally:
        writer.close()


def drive(
    *, port: int, path: str, viewers: list[Viewer], answers: dict | None = None, requests: int = REQUESTS_PER_RUN
) -> dict:
    latencies: list[float] = []
    errors: list = []
    queue = list(range(requests))
    queue.reverse()

    async def main():
        stop_at = time.monotonic() + RUN_TIME_LIMIT
        await asyncio.gather(
            *[
                _connection(port, path.encode(), viewers, queue, latencies, errors, stop_at, answers)
                for _ in range(CONNECTIONS)
            ]
        )

    started = time.perf_counter()
    asyncio.run(main())
    elapsed = time.perf_counter() - started
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1] if latencies else float("nan")
    return {"count": len(latencies), "rate": len(latencies) / elapsed, "p99": p99 * 1000, "errors": errors}


# ----------------------------------------------------------------- the run


def _beat_keys(port: int, lecture_id: int, viewers: list[Viewer]) -> None:
    """Each viewer asks the lecture API for its lecture, as the player's page does, and sends the
    beat key it is handed (reading the lecture also brings stored progress into Redis)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        for viewer in viewers:
            connection.request(
                "GET", f"/api/v1/lectures/{lecture_id}/", headers={"Authorization": f"Token {viewer.token}"}
            )
            response = connection.getresponse()
            payload = response.read()
            if response.status != 200:
                raise RuntimeError(f"the lecture API answered {response.status}: {payload[:200]!r}")
            viewer.auth = f"X-Beat-Key: {json.loads(payload)['beat_key']}".encode()
    finally:
        connection.close()


def _server_cpu(master_pid: int) -> float:
    """CPU seconds used so far by gunicorn's workers: the cost per beat, whatever else runs here."""
    total = 0.0
    children = subprocess.run(["pgrep", "-P", str(master_pid)], capture_output=True, text=True).stdout.split()
    for pid in children:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _redis_cpu() -> float:
    """CPU seconds Redis has used so far (the beat script runs inside it, on the same two cores)."""
    import redis
    from django.conf import settings

    info = redis.Redis.from_url(settings.REDIS_URL).info("cpu")
    return float(info["used_cpu_sys"]) + float(info["used_cpu_user"])


def run() -> bool:
    # A database of its own: this bench migrates it to this branch's schema and empties its tables.
    env = django_setup(database="lms_bench_beats")
    lecture_id, tokens = _seed()
    _reset(lecture_id)
    port = free_port()
    server = gunicorn_start(app="bench.bench_beats:wsgi_app", port=port, env=env)
    try:
        wait_up(port)
        paths = {
            CEILING: f"/bench/ceiling/{lecture_id}/",
            OURS: f"/api/v1/lectures/{lecture_id}/progress/",
            PRE_LEASE: f"/bench/pre-lease/{lecture_id}/",
            BASELINE: f"/bench/naive/{lecture_id}/",
        }
        keyed = (OURS, PRE_LEASE)
        # Warm every worker's code paths and connections (a long-running site has), then start the
        # measured runs from zero progress.
        for name, path in paths.items():
            warm = [Viewer(uid, key) for uid, key in tokens]
            if name in keyed:
                _beat_keys(port, lecture_id, warm)
            for _ in range(GUNICORN_WORKERS * 2):
                drive(port=port, path=path, viewers=warm, requests=len(warm))
        _reset(lecture_id)
        # Each endpoint gets its own playbacks, so ours sees every viewer open with seq 0.
        viewers = {name: [Viewer(uid, key) for uid, key in tokens] for name in paths}
        answers: dict[int, float] = {}
        best: dict[str, dict] = {}
        for _round in range(ROUNDS):
            for name, path in paths.items():
                ours = name == OURS
                if name in keyed:
                    _beat_keys(port, lecture_id, viewers[name])
                cpu_before, redis_before, driver_before = _server_cpu(server.pid), _redis_cpu(), time.process_time()
                result = drive(port=port, path=path, viewers=viewers[name], answers=answers if ours else None)
                per_beat = 1000 / max(1, result["count"])
                result["cpu_ms"] = (_server_cpu(server.pid) - cpu_before) * per_beat
                result["redis_ms"] = (_redis_cpu() - redis_before) * per_beat
                result["driver_ms"] = (time.process_time() - driver_before) * per_beat
                if name not in best or result["rate"] > best[name]["rate"]:
                    best[name] = {**result, "errors": best.get(name, {}).get("errors", []) + result["errors"]}
                else:
                    best[name]["errors"] += result["errors"]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)

    from django.db.models import Sum

    from courses.models import LectureProgress
    from courses.services import lecture_progress_flush

    flushed = lecture_progress_flush()
    stored = LectureProgress.objects.filter(lecture_id=lecture_id).aggregate(total=Sum("watched_seconds"))["total"] or 0
    credited = sum(answers.values())

    # CPU per beat of each process involved: they all share the machine's two cores.
    print(
        f"{'':40} {'beats/s':>10} {'p99 ms':>9} {'requests':>9} {'errors':>7}"
        f" {'CPU ms/beat: site':>18} {'Redis':>6} {'driver':>7}"
    )
    for name, result in best.items():
        print(
            f"{name:40} {result['rate']:10.0f} {result['p99']:9.1f} {result['count']:9d} {len(result['errors']):7d}"
            f" {result['cpu_ms']:18.2f} {result['redis_ms']:6.2f} {result['driver_ms']:7.2f}"
        )
    ceiling, ours, baseline = best[CEILING]["rate"], best[OURS]["rate"], best[BASELINE]["rate"]
    of_ceiling, over_baseline, of_pre_lease = ours / ceiling, ours / baseline, ours / best[PRE_LEASE]["rate"]
    p99 = best[OURS]["p99"]
    errors = sum(len(result["errors"]) for result in best.values())
    for result in best.values():
        for status, payload in result["errors"][:3]:
            print(f"  error {status}: {payload!r}")
    print(f"ours / ceiling  = {of_ceiling:.1%} (target ≥ {TARGET_OF_CEILING:.0%})")
    print(f"ours / baseline = {over_baseline:.2f}× (target ≥ {TARGET_OVER_BASELINE}×)")
    print(f"ours / pre-lease script = {of_pre_lease:.1%} (the lease rules' cost; target ≥ {TARGET_OF_PRE_LEASE:.0%})")
    print(f"ours p99 = {p99:.1f} ms (target ≤ {TARGET_P99_MS:.0f} ms)")
    print(f"load average (1, 5, 15 min) = {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    print(f"flushed {flushed} credited spans; watched seconds credited {credited:.1f}, stored {stored:.1f}")
    consistent = abs(stored - credited) < 1e-6 * max(1.0, credited)
    return (
        of_ceiling >= TARGET_OF_CEILING
        and over_baseline >= TARGET_OVER_BASELINE
        and p99 <= TARGET_P99_MS
        and of_pre_lease >= TARGET_OF_PRE_LEASE
        and errors == 0
        and consistent
    )
