"""Fixtures shared by every app's tests (loaded with `-p tests.plugin`)."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

# Playwright's sync API runs an event loop in the test thread; the ORM refuses to run beside
# one unless told that the test thread is not serving async code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

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

    def start(queues: str = "default,transcode") -> subprocess.Popen:
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


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="ru-RU", timezone_id="Europe/Moscow", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    browser_page = context.new_page()
    browser_page.base_url = live_server.url
    yield browser_page
    context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page, *, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core (installed by npm, served by us) on the page; return the serious violations."""
    page.add_script_tag(path=str(AXE_JS))
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
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form.form button[type=submit]")
    page.wait_for_load_state("networkidle")
