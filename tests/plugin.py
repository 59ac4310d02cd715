"""Fixtures shared by every app's tests (loaded with `-p tests.plugin`)."""

import contextlib
import functools
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

# Playwright's sync API runs an event loop in the test thread; the ORM refuses to run beside
# one unless told that the test thread is not serving async code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _redis_database_per_process() -> None:
    """Under pytest-xdist (`make test` runs two processes), each process gets a Redis database of
    its own, as pytest-django gives each its own test database: every test empties the cache, and
    the broker, the beats and the cache all live in REDIS_URL's database. Runs on import, before
    Django reads its settings."""
    from urllib.parse import urlsplit, urlunsplit

    worker, url = os.environ.get("PYTEST_XDIST_WORKER", ""), os.environ.get("REDIS_URL", "")
    if not (worker.startswith("gw") and url):
        return
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    os.environ["REDIS_URL"] = urlunsplit(parts._replace(path=f"/{(base + 8 * int(worker[2:])) % 16}"))


_redis_database_per_process()

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "var" / "test-artifacts"
AXE_JS = ROOT / "lms" / "static" / "vendor" / "axe.min.js"


def pytest_collection_modifyitems(config, items):
    skip_redis = pytest.mark.skip(reason="Redis is not reachable (make test says so above)")
    skip_pg = pytest.mark.skip(reason="PostgreSQL is not reachable (make test says so above)")
    for item in items:
        if ("redis" in item.keywords or "worker" in item.keywords) and not settings.REDIS_URL:
            item.add_marker(skip_redis)
        if ("postgres" in item.keywords or "worker" in item.keywords) and settings.DATABASES["default"][
            "ENGINE"
        ] != "django.db.backends.postgresql":
            item.add_marker(skip_pg)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _default_language_and_zone():
    """Each test starts in the programme's language and zone: a request through the test client
    leaves its language (LocaleMiddleware) and zone active in the thread for whatever runs next."""
    from django.utils import timezone, translation

    translation.deactivate()
    timezone.deactivate()
    yield
    translation.deactivate()
    timezone.deactivate()


@pytest.fixture(autouse=True)
def _wagtail_site(request):
    """Tests on a transactional database empty every table when they end, the home page that the
    data migration made included; put the site back for whichever test uses the database next."""
    uses_db = request.node.get_closest_marker("django_db") or {"db", "transactional_db", "live_server"} & set(
        request.fixturenames
    )
    if not uses_db:
        return
    request.getfixturevalue("_django_db_helper")
    from cms.services import site_root_ensure

    site_root_ensure()


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    yield


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


# ---------------------------------------------------------------- a read replica (lms.replica)


def _postgres_server(settings_dict: dict):
    import psycopg

    return psycopg.connect(
        host=settings_dict["HOST"] or "127.0.0.1",
        port=settings_dict["PORT"] or 5432,
        user=settings_dict["USER"],
        dbname="postgres",
        autocommit=True,
    )


@pytest.fixture
def take_replica(settings):
    """For a transactional test: a function that copies the test database as it is now into a
    second database and makes it the replica (DATABASE_REPLICA_URL's alias); dropped afterwards."""
    from django.db import connections
    from django.db.utils import load_backend
    from psycopg import sql

    from lms.replica import PRIMARY, REPLICA

    primary = connections[PRIMARY].settings_dict
    made = []

    def take() -> str:
        name = f"{primary['NAME']}_replica_{uuid.uuid4().hex[:8]}"
        # A template database must have no other session while it is copied. This thread's are
        # closed; one left open by an earlier test's thread (a live server's, a stopped worker's)
        # would refuse the copy, so any other session on the test database is ended.
        connections.close_all()
        with _postgres_server(primary) as server:
            server.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [primary["NAME"]],
            )
            server.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(primary["NAME"]))
            )
        made.append(name)
        replica = {**primary, "NAME": name}
        # A connection made here, not one of the run's configured aliases (which the test
        # framework keeps to the test database); DATABASES names it, as DATABASE_REPLICA_URL does.
        connections[REPLICA] = load_backend(replica["ENGINE"]).DatabaseWrapper(replica, REPLICA)
        settings.DATABASES = {**settings.DATABASES, REPLICA: replica}
        return name

    yield take
    if made:
        connections[REPLICA].close()
        del connections[REPLICA]
    with _postgres_server(primary) as server:
        for name in made:
            server.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


# ---------------------------------------------------------------- a real Celery worker


@pytest.fixture
def celery_worker_process(transactional_db, settings) -> Iterator[Callable[..., subprocess.Popen]]:
    """Start `celery worker` as a separate process against Redis and the test database.

    The test must use committed data (this fixture needs `transactional_db`), and the test
    process must send tasks through the broker, so eager mode is switched off for it."""
    from django.db import connection

    from lms.celery import app

    started: list[subprocess.Popen] = []
    app.conf.task_always_eager = False
    db = connection.settings_dict

    def start(queues: str = "default,transcode", name: str = "celery") -> subprocess.Popen:
        """`name`: the worker's node name (`name@<host>`); a worker started again under the same
        name is the same worker restarted, as a supervisor does."""
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "lms.settings.test",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "REDIS_URL": settings.REDIS_URL,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        }
        log = open(ARTIFACTS / "celery-worker.log", "ab")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "lms",
                "worker",
                "--pool=solo",
                "-Q",
                queues,
                "-n",
                f"{name}@%h",
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started.append(process)
        return process

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # Drop anything left in the test broker by an earlier, interrupted run.
    app.control.purge()
    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
    app.conf.task_always_eager = True


def wait_for(predicate: Callable[[], object], *, timeout: float = 30, interval: float = 0.2, message: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(message or f"condition not met within {timeout}s")


# ---------------------------------------------------------------- the browser


# A module's browser, not the session's: while Playwright's sync API is open, its event loop counts
# as running in the main thread, and every later test in the process that reaches asgiref's
# async_to_sync (the health checks do) would fail. A launch per module costs about a second.
@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@contextlib.contextmanager
def browser_context(browser, **options) -> Iterator:
    """A browser context in Russian, in Moscow's zone, at a desktop's size. Any
    Content-Security-Policy violation on any page it visits fails the test: Chromium reports each
    one on the console."""
    context = browser.new_context(
        locale="ru-RU", timezone_id="Europe/Moscow", viewport={"width": 1280, "height": 900}, **options
    )
    context.set_default_timeout(15_000)
    violations: list[str] = []

    def on_console(message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            violations.append(f"{message.page.url if message.page else '?'}: {message.text}")

    context.on("console", on_console)
    try:
        yield context
    finally:
        context.close()
    if violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(violations), pytrace=False)


@pytest.fixture
def page(browser, live_server):
    """A browser page on the live server (browser_context: CSP violations fail the test)."""
    with browser_context(browser) as context:
        browser_page = context.new_page()
        browser_page.base_url = live_server.url
        yield browser_page


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@functools.cache
def _axe_source() -> str:
    return AXE_JS.read_text() + "\n;undefined"


def axe_violations(page, *, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core (installed by npm) on the page; return the serious violations. It is evaluated
    through the DevTools protocol, not added as an inline <script> the page's policy would refuse."""
    page.evaluate(_axe_source())
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', "
        "values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def login(page, username: str, password: str) -> None:
    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("#id_login", username)
    page.fill("#id_password", password)
    page.click("form.form button[type=submit]")
    page.wait_for_load_state("networkidle")


def without_cache_forgets(callbacks: list) -> list:
    """The on-commit callbacks a test captured, less those that renew a subject of the pages' cache
    (lms.memo.page_cache_forget): what is left is the work queued."""
    from lms.memo import generation_renew

    return [callback for callback in callbacks if getattr(callback, "func", None) is not generation_renew]
