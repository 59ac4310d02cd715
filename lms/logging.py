"""Signed tokens are credentials while they live: the playback token rides in the query string of
every playlist and segment request (`?token=…`), join links carry theirs in the path. Nothing we
log keeps them — Django's development server, gunicorn's access log (gunicorn.conf.py) and any
record through our handlers are redacted here; nginx's access log has its own format in
docs/deploy/nginx.conf.

Each record also carries the id of the request it was written for (RequestIdMiddleware sets it from
nginx's X-Request-ID, or makes one), so one request's lines can be found in every log; production
writes them as JSON, one object a line (LOG_FORMAT)."""

import logging
import re
from contextvars import ContextVar

from gunicorn import glogging
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

REDACTED = "[redacted]"
# `token=` / `key=` in a query string, and a signed value (fields:expiry:signature) in a path segment.
QUERY_SECRET_RE = re.compile(r"((?:^|[?&;\s])(?:token|t|key|beat_key|presence_key)=)[^&\s\"']+", re.IGNORECASE)
PATH_SECRET_RE = re.compile(r"(/)(?:[\w.-]+:){2,}[\w-]{20,}(?=[/?\s\"']|$)")


def secrets_redact(text: str) -> str:
    return PATH_SECRET_RE.sub(rf"\1{REDACTED}", QUERY_SECRET_RE.sub(rf"\1{REDACTED}", text))


class RedactSecrets(logging.Filter):
    """A handler filter: the record's message, with the tokens in it replaced."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = secrets_redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


class GunicornLogger(glogging.Logger):
    """gunicorn's access log with the request line, path, query and referrer redacted."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name in ("r", "U", "q", "f", "{referer}i"):
            if isinstance(atoms.get(name), str):
                atoms[name] = secrets_redact(atoms[name])
        return atoms


# The id of the request being served in this thread or task ("-" outside a request).
REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="-")


class RequestIdFilter(logging.Filter):
    """A handler filter: the record gets `request_id`, for the formats to show."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


class JsonFormatter(_JsonFormatter):
    """One JSON object a line: time, level, logger, message, request id, and the record's extras.
    Django's request logger attaches the request object itself as an extra, whose text is the full
    URL, query string and token included: it is left out, as is the development server's own field."""

    def __init__(self, *args, **kwargs):
        super().__init__(
            "{asctime}{levelname}{name}{message}{request_id}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            reserved_attrs=[*RESERVED_ATTRS, "request", "server_time", "request_id"],
        )


def logging_config(*, level: str, json: bool) -> dict:
    """The LOGGING setting: every handler redacts tokens and stamps the request id; `json` writes
    JSON lines (production), else the text a developer reads."""
    plain = {"format": "{levelname} {name} [{request_id}] {message}", "style": "{"}
    server = {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}", "style": "{"}
    filters = ["redact_secrets", "request_id"]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "redact_secrets": {"()": "lms.logging.RedactSecrets"},
            "request_id": {"()": "lms.logging.RequestIdFilter"},
        },
        "formatters": {
            "plain": {"()": "lms.logging.JsonFormatter"} if json else plain,
            "django.server": {"()": "lms.logging.JsonFormatter"} if json else server,
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": filters},
            "django.server": {"class": "logging.StreamHandler", "formatter": "django.server", "filters": filters},
        },
        "loggers": {"django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False}},
        "root": {"handlers": ["console"], "level": level},
    }
