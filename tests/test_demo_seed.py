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

# The past season as staff see it: the admission run's figures and outcomes, and the pages
# (requested as demo-staff) that read the run, the candidates and the interviews.
PAST_SEASON = """
import json, django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
from django.contrib.auth import get_user_model
from assessments.models import AdmissionRun
from assessments.selectors.interviews import candidates_by_direction, candidates_for_discussion
from lms.models import Season
past = Season.objects.get(slug="demo-past-season")
run = AdmissionRun.objects.get(season=past)
decisions = list(run.decisions.values("decision", "figures"))
client = Client()
client.force_login(get_user_model().objects.get(username="demo-staff"))
pages = {
    name: client.get(url)
    for name, url in {
        "run": f"/staff/admission/runs/{run.id}/",
        "candidates": f"/staff/candidates/?season={past.id}",
        "interviews": f"/staff/interviews/?season={past.id}",
        "results": f"/staff/interviews/results/?season={past.id}",
    }.items()
}
print(json.dumps({
    "published": run.published_at is not None,
    "outcomes": sorted({d["decision"] for d in decisions}),
    "figures": {m: [d["figures"][m] for d in decisions] for m in ("recorded", "live", "tests")},
    "candidates": [
        [r["name"], r["average"], r["experts"]]
        for rows in candidates_by_direction(season_id=past.id).values() for r in rows
    ],
    "discussion": [r["name"] for r in candidates_for_discussion(season_id=past.id)],
    "status": {name: page.status_code for name, page in pages.items()},
    "html": {name: page.content.decode() for name, page in pages.items()},
}))
"""

# The past season after its interviews, to its end: the data each step left, and the pages that
# show it, requested as staff, as demo-host (the ministry) and as an intern.
PAST_TO_END = """
import json, django
django.setup()
from collections import Counter
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
from django.contrib.auth import get_user_model
from assessments.models import (
    Internship, InternshipLogEntry, MinistryDecision, MinistrySheet, PlacementDecision, PlacementLine, PlacementRun,
)
from assessments.selectors.dossiers import dossier_outbox
from assessments.selectors.internships import internship_state
from assessments.selectors.placement import placement_host_lines
from assessments.selectors.talent_pool import talent_pool_ids, talent_pool_rows
from lms.candidacy.models import CvVersion, OfferPreference
from lms.hosts.models import InternshipOffer
from lms.hosts.selectors import host_of_user
from lms.models import Season
User = get_user_model()
past = Season.objects.get(slug="demo-past-season")
name = lambda pid: User.objects.get(participations__pk=pid).username
host = host_of_user(user=User.objects.get(username="demo-host"))
runs = PlacementRun.objects.filter(season=past)
decisions = MinistryDecision.objects.filter(participant__season=past)
run = runs.get()
internships = list(Internship.objects.filter(season=past).order_by("id"))
finished = next(i for i in internships if i.feedback_at is not None)
outbox = dossier_outbox(season_id=past.id)
moscow = next(row.dossier for row in outbox if row.dossier.region_code == "77")
_host_run, host_rows = placement_host_lines(host_id=host.pk)
visits = {
    "demo-staff": {
        "decisions": f"/staff/ministry-decisions/?season={past.id}",
        "placement": f"/staff/placement/?season={past.id}",
        "run": f"/staff/placement/runs/{run.id}/",
        "internships": f"/staff/internships/?season={past.id}",
        "internship": f"/staff/internships/{finished.id}/",
        "dossiers": f"/staff/dossiers/?season={past.id}",
        "dossier": f"/staff/dossiers/{moscow.id}/",
        "pool": "/staff/talent-pool/",
        "youth": "/staff/youth-bodies/",
    },
    "demo-host": {
        "host-placement": "/host/placement/",
        "host-ministry": f"/hosts/{host.pk}/ministry/?season={past.id}",
        "host-internships": "/host/internships/",
        "host-internship": f"/host/internships/{finished.id}/",
    },
    "demo-past-01": {"cabinet": "/cabinet/", "my-internship": "/cabinet/internship/"},
}
status, html = {}, {}
for login, pages in visits.items():
    client = Client()
    client.force_login(User.objects.get(username=login))
    for page, url in pages.items():
        response = client.get(url, follow=True)
        status[page], html[page] = response.status_code, response.content.decode()
print(json.dumps({
    "offers": InternshipOffer.objects.filter(season=past).count(),
    "ranked": OfferPreference.objects.filter(participant__season=past).values("participant").distinct().count(),
    "cvs": CvVersion.objects.filter(participant__season=past).count(),
    "sheets": MinistrySheet.objects.filter(interview__host=host, interview__participant__season=past).count(),
    "verdicts": dict(Counter(decisions.values_list("verdict", flat=True))),
    "waves": sorted(Counter(decisions.values_list("wave", flat=True)).values()),
    "runs": [runs.count(), run.published_at is not None],
    "lines": PlacementLine.objects.filter(run=run, offer__isnull=False).count(),
    "decisions": dict(Counter(PlacementDecision.objects.filter(run=run).values_list("kind", flat=True))),
    "host_pending": [name(row["participant_id"]) for row in host_rows if row["state"] == "pending"],
    "internships": {name(i.participant_id): internship_state(internship=i) for i in internships},
    "flagged": [name(i.participant_id) for i in internships if i.flagged_at is not None],
    "weeks": {name(i.participant_id): sorted(Counter(i.weeks.values_list("status", flat=True)).items())
              for i in internships},
    "logs": InternshipLogEntry.objects.filter(internship__season=past).count(),
    "dossiers": {row.dossier.region_code: [row.dossier.status, row.blocked, row.dossier.finalists_count]
                 for row in outbox},
    "pool": sorted(row["name"] for row in talent_pool_rows(participant_ids=list(talent_pool_ids()))),
    "status": status,
    "html": html,
}))
"""

# Every demo login through the site's login form (allauth, throttled by django-axes), as a newcomer
# types it, and the cabinet it lands in: the development settings offer two-factor authentication
# and require it of nobody, so the password alone lets every role in. Each demo account's address is
# confirmed, so their applications count.
DEMO_LOGINS = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
from allauth.account.models import EmailAddress
logins = {}
for username in %r:
    client = Client()
    response = client.post("/accounts/login/", {"login": username, "password": %r})
    landing = client.get(response.url)
    confirmed = EmailAddress.objects.filter(user__username=username, verified=True).exists()
    logins[username] = [response.status_code, response.url, landing.status_code, confirmed]
print(json.dumps({"required": settings.MFA_REQUIRED_FOR_ROLES, "logins": logins}))
"""

DEMO_USERS = (
    "demo-beginner",
    "demo-young",
    "demo-pro",
    "demo-editor",
    "demo-speaker",
    "demo-expert",
    "demo-staff",
    "demo-host",
)


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
    for login in DEMO_USERS:
        assert login in stdout
    counts = json.loads(_run(["-c", COUNT_MODELS], env).stdout)
    assert counts["lms.Participant"] >= 3
    # A ROIV, a FOIV and a state corporation with offers for the demo season and the past one;
    # demo-host represents one.
    assert (counts["lms.HostBody"], counts["lms.InternshipOffer"], counts["lms.HostMembership"]) == (3, 10, 1)
    assert counts["courses.LecturePage"] >= 2 and counts["media.VideoAsset"] >= 2
    # Every demo participant has a CV, and the past season's interviewed ones; the Beginner
    # (Novosibirsk) at least ranks her region's offer.
    assert counts["lms.CvVersion"] == 3 + 5 and counts["lms.OfferPreference"] >= 1
    assert counts["live.LiveSession"] >= 2
    second = _run(["manage.py", "seed_demo"], env)
    assert second.returncode == 0, second.stderr[-3000:]
    assert json.loads(_run(["-c", COUNT_MODELS], env).stdout) == counts
    assert _run(["-c", IN_MODERATION], env).stdout.strip() == "1"  # demo-editor's lecture awaits approval


def test_every_demo_role_logs_in_through_the_login_form_without_a_second_factor(demo):
    env, _stdout = demo
    result = json.loads(_run(["-c", DEMO_LOGINS % (DEMO_USERS, DEMO_PASSWORD)], env).stdout)
    assert result["required"] == []
    assert result["logins"] == {username: [302, "/cabinet/", 200, True] for username in DEMO_USERS}


def test_demo_past_season_has_real_figures_outcomes_and_interviews(demo):
    """The past season's admission run counts real lectures, sessions and tests; the admitted were
    interviewed and scored (one flagged for discussion); staff's pages show it."""
    env, stdout = demo
    past = json.loads(_run(["-c", PAST_SEASON], env).stdout)
    assert past["published"]
    assert past["outcomes"] == ["admitted", "not_admitted", "review"]
    for module in ("recorded", "live", "tests"):
        figures = past["figures"][module]
        assert len(figures) == 12 and 0 < sum(figures) < 12, (module, figures)  # neither "0 of 0" nor all full
        assert len(set(figures)) >= 3, (module, figures)
    names = [name for name, _average, _experts in past["candidates"]]
    assert "Алексеева Анна" in names and len(names) == 5
    assert all(0 < average <= 1 for _name, average, _experts in past["candidates"])
    assert sorted(experts for *_rest, experts in past["candidates"]) == [1, 1, 1, 2, 2]
    assert past["discussion"] == ["Борисов Борис"]
    assert past["status"] == {"run": 200, "candidates": 200, "interviews": 200, "results": 200}
    assert "Алексеева" in past["html"]["run"] and "Алексеева" in past["html"]["candidates"]
    assert "Борисов" in past["html"]["results"]
    assert "Past season: 5 interviews scored" in stdout
    # Its closing: awards given, certificates issued for the stages and the awards.
    assert "certificates issued" in stdout


def test_demo_past_season_goes_to_its_end(demo):
    """The past season's hosts, choices, the ministry's interviews and two waves of decisions, a
    published placement, the internships in both ended states, the dossiers prepared (one blocked)
    and the talent pool, each page rendering for its role."""
    env, stdout = demo
    past = json.loads(_run(["-c", PAST_TO_END], env).stdout)
    assert past["offers"] == 5
    assert (past["ranked"], past["cvs"], past["sheets"]) == (5, 5, 4)
    assert past["verdicts"] == {"finalist": 2, "reserve": 1, "declined": 1}
    assert past["waves"] == [2, 2]  # applied by staff in two waves
    assert past["runs"] == [1, True]
    assert past["lines"] == 4  # demo-past-02, declined by the ministry, has no seat
    assert past["decisions"] == {"confirmed": 2, "declined_by_participant": 1}
    assert past["host_pending"] == ["demo-past-05"]
    assert past["internships"] == {"demo-past-01": "finished", "demo-past-03": "overdue"}
    assert past["flagged"] == ["demo-past-03"] and past["logs"] >= 4
    # Every week of both internships answered by the ministry: demo-past-03 missed one, with a note.
    weeks_01, weeks_03 = dict(past["weeks"]["demo-past-01"]), dict(past["weeks"]["demo-past-03"])
    assert set(weeks_01) == {"present"} and weeks_01["present"] >= 2
    assert weeks_03["absent"] == 1 and weeks_03["present"] >= 1
    # Moscow's and Krasnodar's bodies have addresses; St Petersburg's has none: blocked. Not sent.
    assert past["dossiers"] == {
        "23": ["draft", False, 0],  # demo-past-05 gave no talent-pool consent: left out
        "77": ["draft", False, 1],
        "78": ["draft", True, 1],
    }
    assert past["pool"] == ["Алексеева Анна", "Борисов Борис"]
    assert set(past["status"].values()) == {200}, past["status"]
    html = past["html"]
    assert "Дмитриева" in html["host-placement"] and "Алексеева" in html["host-ministry"]
    assert "Алексеева" in html["internships"] and "Васильева" in html["internships"]
    assert "Алексеева" in html["pool"] and "Борисов" in html["pool"]
    assert "Санкт-Петербург" in html["dossiers"]
    assert "Past season: placement run" in stdout


# Where a participant's walk may go: their own pages, never staff tools, exports, the admin, the API,
# the language switch, logging out, or a join link (it leaves for the room's own site).
SKIPPED_PREFIXES = ("/accounts/logout", "/django-admin", "/cms", "/api/", "/i18n/", "/staff", "/expert", "/documents")
SKIPPED_PARTS = ("/join/", "/export", "/console", ".csv", ".xlsx", "/media/", "/videos/", "/pdf/", ".pdf")


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
            page.fill("#id_login", login)
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
