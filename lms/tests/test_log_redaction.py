"""Signed tokens never reach a log line."""

import logging
from datetime import timedelta
from types import SimpleNamespace

from django.conf import settings
from gunicorn.config import Config

from lms.logging import GunicornLogger, RedactSecrets, secrets_redact

TOKEN = "17:42:1893456000:q5bRk0Zc0tHnq4e5Yf2gFJ9kYQ1e7u6z1m3W8xVb1cA"


def test_tokens_in_query_strings_and_paths_are_redacted():
    line = f'"GET /video/42/hls/v0/seg_00001.ts?token={TOKEN} HTTP/1.1" 200 1024'
    assert TOKEN not in secrets_redact(line)
    assert "/video/42/hls/v0/seg_00001.ts?token=[redacted] HTTP/1.1" in secrets_redact(line)
    assert TOKEN not in secrets_redact(f"/live/7/join/?t={TOKEN}&next=/")
    assert TOKEN not in secrets_redact(f"/some/{TOKEN}/")
    assert secrets_redact("/cabinet/?season=3") == "/cabinet/?season=3"


def test_the_handlers_redact_every_record(caplog):
    record = logging.LogRecord("django.server", logging.INFO, __file__, 1, '"GET %s HTTP/1.1" %s', None, None)
    record.args = (f"/video/1/hls/master.m3u8?token={TOKEN}", 200)
    assert RedactSecrets().filter(record)
    assert TOKEN not in record.getMessage() and "master.m3u8?token=[redacted]" in record.getMessage()
    handlers = settings.LOGGING["handlers"]
    assert all("redact_secrets" in handlers[name]["filters"] for name in ("console", "django.server"))
    assert settings.LOGGING["loggers"]["django.server"]["handlers"] == ["django.server"]


def test_gunicorns_access_log_is_redacted():
    logger = GunicornLogger(Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/video/1/hls/master.m3u8?token={TOKEN}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "PATH_INFO": "/video/1/hls/master.m3u8",
        "QUERY_STRING": f"token={TOKEN}",
    }
    atoms = logger.atoms(SimpleNamespace(status="200 OK", sent=10, headers=[]), [], environ, timedelta(seconds=1))
    assert TOKEN not in atoms["r"] and TOKEN not in atoms["q"]
    assert atoms["q"] == "token=[redacted]"
