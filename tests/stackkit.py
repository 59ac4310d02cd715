"""What the stack's tests share (tests/test_stack.py, tests/test_stack_faults.py): starting and
stopping `make stack` from a test run, reaching it as people and monitoring do, reading its
database. The `stack` fixture itself is in tests/conftest.py (one stack for the whole run)."""

import os
import re
import subprocess
import sys

import pytest

from lms.stack import HOST, PORTS, ROOT, config, database_url, public_origin

RUN = os.environ.get("CI", "").lower() == "true" or os.environ.get("STACK_TESTS") == "1"
# Every stack test module's marks: the marker `stack`, and skipped unless CI=true or STACK_TESTS=1.
MARKS = [
    pytest.mark.stack,
    pytest.mark.skipif(not RUN, reason="starts the whole stack (minutes): runs with CI=true or STACK_TESTS=1"),
]
SITE = public_origin()
WEB = f"http://{HOST}:{PORTS.web}"
PASSWORD = "demo12345"

requests = pytest.importorskip("requests")


def stack_env() -> dict[str, str]:
    """The environment to run `python -m lms.stack` in: only what the stack does not set itself
    passes through (the test run's own settings stay out)."""
    return {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }


def stack_command(*args: str, timeout: float = 400, env: dict | None = None) -> subprocess.CompletedProcess:
    """`python -m lms.stack ARGS…` (`env`: added to its environment); a failure fails the test with
    the command's and the stack's log."""
    result = subprocess.run(
        [sys.executable, "-m", "lms.stack", *args],
        cwd=ROOT,
        env={**stack_env(), **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        log = config.paths()["log"]
        tail = log.read_text(errors="replace")[-4000:] if log.exists() else ""
        pytest.fail(
            f"python -m lms.stack {' '.join(args)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}\n"
            f"--- stack.log\n{tail}"
        )
    return result


# Two web nodes and two default workers: every stack test also proves the web tier stateless.
NODES = 2


def stack_start() -> None:
    stack_command("start", env={"STACK_NODES": str(NODES)})


def browser_session() -> "requests.Session":
    session = requests.Session()
    session.verify = str(config.paths()["cert"])
    # The machine's REQUESTS_CA_BUNDLE would replace the stack's certificate.
    session.trust_env = False
    return session


# The login form's name field: `username` (Django's form) or `login` (django-allauth's). Tests find
# it rather than assume it, so they outlive a change of the accounts' forms.
LOGIN_FIELDS = ("login", "username")
LOGIN_FIELD_SELECTOR = ", ".join(f"input[name={name}]" for name in LOGIN_FIELDS)


def login_field(html: str) -> str:
    """The name of the login form's user-name field in the login page's HTML."""
    form = next(form for form in re.findall(r"<form.*?</form>", html, re.S) if 'name="password"' in form)
    return next(name for name in LOGIN_FIELDS if f'name="{name}"' in form)


class NodesInTurnSession(requests.Session):
    """A browser's session whose requests to the site go to the web nodes in turn, straight to each
    node's gunicorn, as a load balancer without sticky sessions may send them; it adds what nginx adds
    (the public host, https, the client's address). `served` counts the requests each node answered."""

    def __init__(self, ports: list[int]):
        super().__init__()
        self.trust_env = False
        self.verify = str(config.paths()["cert"])  # a redirect is followed through nginx
        self.ports, self.served, self._turn = ports, dict.fromkeys(ports, 0), 0

    def request(self, method, url, *args, **kwargs):
        if url.startswith(SITE):
            port = self.ports[self._turn % len(self.ports)]
            self._turn += 1
            self.served[port] += 1
            url = f"http://{HOST}:{port}{url.removeprefix(SITE)}"
            forwarded = {"Host": f"{HOST}:{PORTS.https}", "X-Forwarded-Proto": "https", "X-Forwarded-For": HOST}
            kwargs["headers"] = {**(kwargs.get("headers") or {}), **forwarded}
            # The session's cookies are Secure (https only): this hop is the plain one behind nginx.
            for cookie in self.cookies:
                cookie.secure = False
        return super().request(method, url, *args, **kwargs)


def logged_in(username: str, session: "requests.Session | None" = None) -> "requests.Session":
    """A session (a new browser's, or `session`) logged in through the login form, as a person logs in."""
    session = session or browser_session()
    page = session.get(f"{SITE}/accounts/login/")
    answer = session.post(
        f"{SITE}/accounts/login/",
        data={
            login_field(page.text): username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        headers={"Referer": f"{SITE}/accounts/login/"},
        allow_redirects=False,
    )
    assert answer.status_code == 302, answer.text[:500]
    return session


def token_session(username: str) -> "requests.Session":
    """A session authenticated by an API token (as a staff script is)."""
    session = browser_session()
    token = session.post(f"{SITE}/api/v1/auth/token/", json={"username": username, "password": PASSWORD})
    assert token.status_code == 200, token.text
    session.headers["Authorization"] = f"Token {token.json()['token']}"
    return session


def browser_login(page, username: str) -> None:
    """Log in through the login form in Chromium, whichever form the accounts use (see LOGIN_FIELDS)."""
    page.goto(f"{SITE}/accounts/login/")
    form = page.locator("form:has(input[name=password])")
    form.locator(LOGIN_FIELD_SELECTOR).fill(username)
    form.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        form.locator("[type=submit]").first.click()
    assert "/accounts/login/" not in page.url, f"{username} could not log in"


def post_headers(session) -> dict:
    return {"X-CSRFToken": session.cookies["csrftoken"], "Referer": f"{SITE}/cabinet/"}


def metrics() -> str:
    answer = requests.get(f"{WEB}/metrics", timeout=10)
    assert answer.status_code == 200
    return answer.text


def sample(text: str, name: str, **labels) -> float:
    """The value of one sample of the Prometheus text (0 when absent)."""
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    pattern = rf"^{re.escape(name)}{re.escape('{' + wanted + '}') if wanted else ''} (\S+)$"
    match = re.search(pattern, text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def db_rows(query: str, *params) -> list[tuple]:
    """Rows of a query on the stack's database, reached directly (not through the stack's proxy,
    which a test may have cut)."""
    import psycopg

    with psycopg.connect(database_url().replace("postgres://", "postgresql://", 1)) as connection:
        return connection.execute(query, params).fetchall()


def lecture_open(session, *, title: str | None = None) -> tuple[dict, dict]:
    """(the first open lecture of the participant — or the one titled `title` —, a playback grant
    for it: playback_url, beat_key…)."""
    lectures = session.get(f"{SITE}/api/v1/lectures/").json()
    lecture = next(item for item in lectures if item["state"] == "open" and title in (None, item["title"]))
    answer = session.post(f"{SITE}/api/v1/lectures/{lecture['id']}/playback/", headers=post_headers(session))
    assert answer.status_code == 200, answer.text
    return lecture, answer.json()


def hls_segment_url(session, grant: dict) -> str:
    """The first segment's URL (on the site, with the signed token) of a playback grant's stream:
    the master playlist, its first variant, that variant's first segment."""
    master = session.get(SITE + grant["playback_url"])
    assert master.status_code == 200 and master.text.startswith("#EXTM3U"), master.text[:200]
    variant_uri = next(line for line in master.text.splitlines() if line and not line.startswith("#"))
    base = SITE + grant["playback_url"].split("master.m3u8")[0]
    variant = session.get(base + variant_uri)
    assert variant.status_code == 200
    segment_uri = next(line for line in variant.text.splitlines() if line and not line.startswith("#"))
    return base + variant_uri.rsplit("/", 1)[0] + "/" + segment_uri


def beat(lecture: dict, grant: dict, **body) -> "requests.Response":
    """One beat as the player sends it: no cookies, the signed key in its header."""
    return browser_session().post(
        f"{SITE}/api/v1/lectures/{lecture['id']}/progress/",
        json={"rate": 1.0, "visible": True, **body},
        headers={"X-Beat-Key": grant["beat_key"]},
        timeout=30,
    )


def video_upload(editor, clip, *, title: str) -> int:
    """Upload a lecture recording in Wagtail as an editor does; the new video's id."""
    assert editor.get(f"{SITE}/cms/videos/new/").status_code == 200
    with open(clip, "rb") as source:
        answer = editor.post(
            f"{SITE}/cms/videos/new/",
            data={"title": title, "csrfmiddlewaretoken": editor.cookies["csrftoken"]},
            files={"source": (clip.name, source, "video/mp4")},
            headers={"Referer": f"{SITE}/cms/videos/new/"},
            allow_redirects=False,
        )
    assert answer.status_code == 302, answer.text[:2000]
    listing = editor.get(f"{SITE}/cms/videos/").text
    return max(int(found) for found in re.findall(r"/cms/videos/edit/(\d+)/", listing))


def video_status(editor, asset_id: int) -> dict:
    """The video's state and progress, as Wagtail's progress bar reads them."""
    return editor.get(f"{SITE}/api/v1/videos/status/", params={"ids": asset_id}).json()["results"][0]


def admission_run(staff, *, seen: list | None = None) -> dict:
    """Start an admission run of the demo season's introductory track (staff's API) and wait until
    the default worker has finished it; its final state. `seen` collects (status, progress) as polled."""
    from tests.plugin import wait_for

    season_id = db_rows("SELECT id FROM lms_season WHERE slug = 'demo-season'")[0][0]
    created = staff.post(f"{SITE}/api/v1/seasons/{season_id}/admission-runs/", json={"track": "introductory"})
    assert created.status_code == 201, created.text
    seen = [] if seen is None else seen
    seen.append((created.json()["status"], created.json()["progress"]))
    state = {}

    def finished():
        answer = staff.get(f"{SITE}/api/v1/admission-runs/{created.json()['id']}/", params={"format": "json"})
        state.update(answer.json())
        seen.append((state["status"], state["progress"]))
        return state["status"] in ("done", "failed")

    wait_for(finished, timeout=60, message=f"the run did not finish: {seen[-5:]}")
    return state
