"""Request ids in the logs, JSON log lines, the /metrics endpoint's figures and its refusals,
/health/, a worker check per Celery queue, and Sentry: on with a DSN, never without one."""

import gzip
import io
import json
import logging
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from health_check.exceptions import ServiceUnavailable

from lms.health import CeleryQueueWorker
from lms.logging import JsonFormatter, RedactSecrets, RequestIdFilter
from lms.tests.test_settings import PRODUCTION_ENV

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "17:42:1893456000:q5bRk0Zc0tHnq4e5Yf2gFJ9kYQ1e7u6z1m3W8xVb1cA"


@pytest.fixture
def json_log():
    """The django.request logger written through the production handler's filters and format."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecrets())
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)


@pytest.mark.django_db
def test_a_requests_log_lines_carry_its_id_as_json_without_the_token(client, json_log):
    answer = client.get(f"/no-such-page/?token={TOKEN}", HTTP_X_REQUEST_ID="nginx-req-0123456789abcdef")
    assert answer.status_code == 404
    assert answer["X-Request-ID"] == "nginx-req-0123456789abcdef"
    [line] = [json.loads(text) for text in json_log.getvalue().splitlines()]
    assert line["request_id"] == "nginx-req-0123456789abcdef"
    assert line["level"] == "WARNING" and line["logger"] == "django.request"
    assert line["message"].startswith("Not Found: /no-such-page/")
    # Django attaches the request object, whose text is the URL with its token: it is left out.
    assert "request" not in line and TOKEN not in json_log.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize("sent", ["", "short", "x" * 65, "evil\ninjected-line-here", "a b c d e f g h"])
def test_a_missing_or_odd_request_id_is_replaced_by_a_new_one(client, json_log, sent):
    headers = {"HTTP_X_REQUEST_ID": sent} if sent else {}
    answer = client.get("/no-such-page/", **headers)
    made = answer["X-Request-ID"]
    assert made != sent and len(made) == 32 and int(made, 16) >= 0
    assert json.loads(json_log.getvalue().splitlines()[0])["request_id"] == made


def test_outside_a_request_the_id_is_a_dash():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "plain", None, None)
    RequestIdFilter().filter(record)
    assert json.loads(JsonFormatter().format(record))["request_id"] == "-"


@pytest.mark.django_db
def test_metrics_answer_a_scraper_on_this_machine_and_refuse_anyone_else(client, settings):
    settings.METRICS_TOKEN = ""
    answer = client.get("/metrics")  # the test client connects from 127.0.0.1, directly
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/plain")
    text = answer.content.decode()
    assert "# TYPE lms_transcode_duration_seconds histogram" in text
    assert 'lms_video_assets{state="ready"} 0.0' in text
    # Through nginx (X-Forwarded-For), from another machine, or with a token nobody configured.
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION="Bearer ").status_code == 403


@pytest.mark.django_db
def test_metrics_answer_anyone_with_the_token(client, settings):
    settings.METRICS_TOKEN = "s3cret-scrape-token"
    remote = {"REMOTE_ADDR": "10.1.2.3", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-scrape-token", **remote).status_code == 200
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong", **remote).status_code == 403
    assert client.post("/metrics").status_code == 405


@pytest.mark.django_db
def test_health_is_green_without_workers_to_ask_in_eager_mode(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    answer = client.get("/health/", HTTP_ACCEPT="application/json")
    assert answer.status_code == 200
    assert answer.json() == {
        "Database(alias='default')": "OK",
        "Cache(alias='default')": "OK",
        "Storage(alias='default')": "OK",
        "BeatStream()": "OK",
    }


@pytest.mark.worker
def test_each_queue_needs_a_live_worker_of_its_own(celery_worker_process):
    from lms.celery import app

    celery_worker_process(queues="default")
    for _attempt in range(60):
        if app.control.inspect(timeout=0.5).active_queues():
            break
    CeleryQueueWorker(queue="default").run()
    with pytest.raises(ServiceUnavailable, match="no live worker reads the 'transcode' queue"):
        CeleryQueueWorker(queue="transcode").run()


def _production(code: str, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "REDIS_URL", "DATABASE_URL", "SENTRY_DSN"}}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "lms.settings.production", **PRODUCTION_ENV, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_sentry_is_never_started_without_a_dsn():
    result = _production(
        "import sentry_sdk; from django.conf import settings\n"
        "print(sentry_sdk.get_client().is_active(), settings.LOGGING['formatters']['plain'])"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split(" ", 1)[0] == "False"
    # Production's log lines are JSON.
    assert "lms.logging.JsonFormatter" in result.stdout


class _Collector(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        # The SDK compresses with brotli when it is installed (WeasyPrint brings it), else gzip.
        encoding = self.headers.get("Content-Encoding")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        self.received.append(body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def test_with_a_dsn_errors_go_to_sentry_without_tokens():
    """A Sentry server of our own on the loopback receives what the SDK sends."""
    server = HTTPServer(("127.0.0.1", 0), _Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Collector.received = []
    try:
        result = _production(
            "import logging, sentry_sdk\n"
            "print(sentry_sdk.get_client().is_active())\n"
            f"logging.getLogger('lms').warning('GET /video/1/hls/master.m3u8?token={TOKEN}')\n"
            "try:\n    1 / 0\nexcept ZeroDivisionError:\n    sentry_sdk.capture_exception()\n"
            "sentry_sdk.flush(5)\n",
            SENTRY_DSN=f"http://publickey@127.0.0.1:{server.server_port}/42",
        )
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
    sent = b"".join(_Collector.received)
    assert b"ZeroDivisionError" in sent
    assert TOKEN.encode() not in sent and b"token=[redacted]" in sent
