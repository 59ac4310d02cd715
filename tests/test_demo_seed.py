"""`make demo` from a fresh clone: migrate the embedded SQLite database and seed it, twice; then
serve it as `make demo` does and walk every participant's pages on a phone's width."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.plugin import ARTIFACTS

ROOT = Path(__file__).resolve().parent.parent
PHONE_WIDTH = 390
DEMO_PASSWORD = "demo12345"
PARTICIPANTS = ("demo-beginner", "demo-young", "demo-pro")

COUNT_MODELS = """
import json, django
django.setup()
from django.apps import apps
print(json.dumps({m._meta.label: m.objects.count() for m in apps.get_models()
                  if m._meta.app_label in {"lms", "cms", "media", "courses", "live", "assessments", "auth"}}))
"""

IN_MODERATION = """
import django
django.setup()
from wagtail.models import WorkflowState
print(WorkflowState.objects.filter(status=WorkflowState.STATUS_IN_PROGRESS).count())
"""


def _run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo's database, migrated and seeded once for the module (seeding transcodes clips)."""
    folder = tmp_path_factory.mktemp("demo")
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}},
        "DJANGO_SETTINGS_MODULE": "lms.settings.dev",
        "DATABASE_URL": f"sqlite:///{folder / 'demo.sqlite3'}",
        "MEDIA_ROOT": str(folder / "media"),
        "REDIS_URL": "",
    }
    migrate = _run(["manage.py", "migrate", "--noinput", "-v0"], env)
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    first = _run(["manage.py", "seed_demo"], env)
    assert first.returncode == 0, first.stderr[-3000:]
    return env, first.stdout


def test_demo_seeds_the_embedded_database_and_is_idempotent(demo):
    env, stdout = demo
    for login in (
        "demo-beginner",
        "demo-young",
        "demo-pro",
        "demo-editor",
        "demo-speaker",
        "demo-expert",
        "demo-staff",
    ):
        assert login in stdout
    counts = json.loads(_run(["-c", COUNT_MODELS], env).stdout)
    assert counts["lms.Participant"] >= 3
    assert counts["courses.LecturePage"] >= 2 and counts["media.VideoAsset"] >= 2
    assert counts["live.LiveSession"] >= 2
    second = _run(["manage.py", "seed_demo"], env)
    assert second.returncode == 0, second.stderr[-3000:]
    assert json.loads(_run(["-c", COUNT_MODELS], env).stdout) == counts
    assert _run(["-c", IN_MODERATION], env).stdout.strip() == "1"  # demo-editor's lecture awaits approval


# Where a participant's walk may go: their own pages, never staff tools, exports, the admin, the API,
# the language switch, logging out, or a join link (it leaves for the room's own site).
SKIPPED_PREFIXES = ("/accounts/logout", "/django-admin", "/cms", "/api/", "/i18n/", "/staff", "/expert", "/documents")
SKIPPED_PARTS = ("/join/", "/export", "/console", ".csv", ".xlsx", "/media/", "/videos/")


def _walkable(url: str, origin: str) -> bool:
    parsed = urlparse(url)
    if f"{parsed.scheme}://{parsed.netloc}" != origin or parsed.path.startswith(SKIPPED_PREFIXES):
        return False
    return not any(part in parsed.path for part in SKIPPED_PARTS)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def demo_server(demo):
    """The demo served as `make demo` serves it (the development server on the SQLite database)."""
    env, _stdout = demo
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline and server.poll() is None, "the demo server did not start"
            time.sleep(0.3)
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(timeout=15)


def _too_wide(page) -> list[str]:
    """The page's width beyond the viewport, and the widest elements that cause it."""
    return page.evaluate(
        """(width) => {
          if (document.documentElement.scrollWidth <= width) return [];
          const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
            + (typeof el.className === "string" && el.className ? "." + el.className.split(" ").join(".") : "");
          const wide = [...document.querySelectorAll("body *")]
            .filter((el) => el.getBoundingClientRect().right > width + 1)
            .map((el) => `${name(el)} (${Math.round(el.getBoundingClientRect().right)} px)`);
          return [`scrollWidth ${document.documentElement.scrollWidth}`, ...wide.slice(0, 5)];
        }""",
        PHONE_WIDTH,
    )


@pytest.mark.browser
def test_every_participant_page_fits_a_phone(demo_server, browser):
    """Anonymous pages and every page a demo participant reaches from the cabinet (two links deep),
    at 390 px: nothing scrolls sideways."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    offenders: dict[str, list[str]] = {}
    visited_by: dict[str, int] = {}
    for login in (None, *PARTICIPANTS):
        context = browser.new_context(
            locale="ru-RU", timezone_id="Europe/Moscow", viewport={"width": PHONE_WIDTH, "height": 844}
        )
        page = context.new_page()
        start = ["/", "/apply/", "/accounts/login/"]
        if login:
            page.goto(f"{demo_server}/accounts/login/")
            page.fill("#id_username", login)
            page.fill("#id_password", DEMO_PASSWORD)
            page.click("form.form button[type=submit]")
            page.wait_for_load_state("networkidle")
            start = ["/cabinet/"]
        queue = [(f"{demo_server}{path}", 0) for path in start]
        seen: set[str] = set()
        while queue and len(seen) < 40:
            url, depth = queue.pop(0)
            if url in seen:
                continue
            seen.add(url)
            response = page.goto(url)
            page.wait_for_load_state("networkidle")
            assert response is not None and response.status < 500, f"{url} as {login}: {response and response.status}"
            problem = _too_wide(page)
            if problem:
                offenders[f"{login or 'anonymous'} {urlparse(url).path}"] = problem
                page.screenshot(path=str(ARTIFACTS / f"phone-{login or 'anon'}-{len(seen)}.png"), full_page=True)
            if depth < 2:
                links = page.eval_on_selector_all("a[href]", "els => els.map(a => a.href.split('#')[0])")
                queue += [(link, depth + 1) for link in links if _walkable(link, demo_server)]
        visited_by[login or "anonymous"] = len(seen)
        context.close()
    assert not offenders, json.dumps(offenders, ensure_ascii=False, indent=1)
    # The walk really went somewhere: each participant reaches their courses, lectures, sessions and tests.
    for login in PARTICIPANTS:
        assert visited_by[login] >= 5, visited_by
