import importlib.util
import os

from django.core.exceptions import ImproperlyConfigured

from lms.logging import logging_config
from lms.sentry import sentry_init

from .base import *  # noqa: F403
from .base import (
    EMAIL_BACKEND,
    INSECURE_DEFAULT_SECRET_KEY,
    REDIS_URL,
    SECRET_KEY,
    SOCIALACCOUNT_PROVIDERS,
    env_bool,
    env_list,
)

# Production refuses to start rather than run half-configured: each check names the variable to set.
# The secret key signs sessions, reset links and beat keys; anyone who knows it can forge them.
MIN_SECRET_KEY_LENGTH = 50
if not SECRET_KEY or SECRET_KEY == INSECURE_DEFAULT_SECRET_KEY:
    raise ImproperlyConfigured("Set SECRET_KEY in the environment: production refuses the default key.")
# Django's own deploy check (security.W009) also counts distinct characters: "xxxx…" is no key.
if len(SECRET_KEY) < MIN_SECRET_KEY_LENGTH or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured(
        f"SECRET_KEY is too weak: production needs at least {MIN_SECRET_KEY_LENGTH} random characters."
    )
if env_bool("DEBUG"):
    raise ImproperlyConfigured("DEBUG is set in the environment: production never runs with DEBUG on; unset it.")
# No default here (base.py's one is for the machine it runs on): the hosts are the deployment's to name.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set ALLOWED_HOSTS in the environment (comma-separated host names).")
# These backends print (console), keep (locmem) or write to disk (filebased) the mail, reset links included.
NON_DELIVERING_EMAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
}
if not EMAIL_BACKEND or EMAIL_BACKEND in NON_DELIVERING_EMAIL_BACKENDS:
    raise ImproperlyConfigured(
        f"EMAIL_BACKEND is {EMAIL_BACKEND}, which delivers nothing: set EMAIL_BACKEND (and EMAIL_HOST etc.) "
        "to a real backend."
    )
# Without Redis the cache is per process and Celery runs tasks inside the web request.
if not REDIS_URL:
    raise ImproperlyConfigured("Set REDIS_URL in the environment: production needs Redis (cache, Celery, beats).")
# Sign-in with VK ID and Yandex ID: a client id without its secret (or the reverse) would leave the
# provider silently off; a provider's endpoint over plain http would carry codes and tokens in clear.
for _provider, _prefix in (("vk", "VK_ID"), ("yandex", "YANDEX_ID")):
    if bool(os.environ.get(f"{_prefix}_CLIENT_ID", "").strip()) != bool(
        os.environ.get(f"{_prefix}_CLIENT_SECRET", "").strip()
    ):
        raise ImproperlyConfigured(f"Set both {_prefix}_CLIENT_ID and {_prefix}_CLIENT_SECRET, or neither.")
    if SOCIALACCOUNT_PROVIDERS[_provider]["APPS"]:
        for _key, _variable in (
            ("AUTHORIZE_URL", "AUTHORIZE_URL"),
            ("ACCESS_TOKEN_URL", "TOKEN_URL"),
            ("PROFILE_URL", "USERINFO_URL"),
        ):
            if not SOCIALACCOUNT_PROVIDERS[_provider][_key].startswith("https://"):
                raise ImproperlyConfigured(f"{_prefix}_{_variable} must be an https:// URL in production.")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")

DEBUG = False
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "true").lower() == "true"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# A load balancer's health check and Prometheus ask each web node directly, over plain http.
SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^metrics$"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Links in e-mails (confirmation, password reset) are https even when built outside a request's scheme.
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Media on local disk (MEDIA_ROOT) or S3-compatible object storage (django-storages). S3 without its
# bucket or credentials would fail at the first upload, in front of an editor: refuse to start instead.
S3_STORAGES = {"storages.backends.s3.S3Storage", "storages.backends.s3boto3.S3Boto3Storage"}
DEFAULT_FILE_STORAGE = os.environ.get("DEFAULT_FILE_STORAGE", "lms.storage.FileSystemStorage")
STORAGES = {
    "default": {"BACKEND": DEFAULT_FILE_STORAGE},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
AWS_S3_ACCESS_KEY_ID = os.environ.get("AWS_ACCESS_KEY_ID", "")
AWS_S3_SECRET_ACCESS_KEY = os.environ.get("AWS_SECRET_ACCESS_KEY", "")
if DEFAULT_FILE_STORAGE in S3_STORAGES:
    if importlib.util.find_spec("storages") is None:
        raise ImproperlyConfigured("DEFAULT_FILE_STORAGE is S3, but django-storages is missing: pip install '.[s3]'.")
    missing = [
        name
        for name, value in [
            ("AWS_STORAGE_BUCKET_NAME", AWS_STORAGE_BUCKET_NAME),
            ("AWS_ACCESS_KEY_ID", AWS_S3_ACCESS_KEY_ID),
            ("AWS_SECRET_ACCESS_KEY", AWS_S3_SECRET_ACCESS_KEY),
        ]
        if not value
    ]
    if missing:
        raise ImproperlyConfigured(f"DEFAULT_FILE_STORAGE is S3: set {', '.join(missing)} in the environment.")
AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL") or None
AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME") or None
# "path" for servers that name buckets in the path (MinIO, moto, an IP address); empty: boto decides.
AWS_S3_ADDRESSING_STYLE = os.environ.get("AWS_S3_ADDRESSING_STYLE") or None
# A CA bundle to trust for the storage's TLS (a private CA; `make stack`'s self-signed certificate).
AWS_S3_VERIFY = os.environ.get("AWS_S3_VERIFY") or None
# Presigned URLs signed with Signature Version 4, which every current S3-compatible service takes.
AWS_S3_SIGNATURE_VERSION = os.environ.get("AWS_S3_SIGNATURE_VERSION", "s3v4")
AWS_DEFAULT_ACL = "private"
AWS_QUERYSTRING_AUTH = True
# Video files are presigned per request for MEDIA_STORAGE_URL_TTL (media/conf.py); other files
# (Wagtail images and documents on S3) for this long.
AWS_QUERYSTRING_EXPIRE = int(os.environ.get("AWS_QUERYSTRING_EXPIRE", "3600"))

# Video delivery through nginx (docs/deploy/) and upload limits.
MEDIA_ACCEL_REDIRECT_PREFIX = os.environ.get("MEDIA_ACCEL_REDIRECT_PREFIX", "")
MEDIA_MAX_UPLOAD_SIZE = int(os.environ.get("MEDIA_MAX_UPLOAD_SIZE", str(5 * 1024**3)))
MEDIA_STORAGE_URL_TTL = int(os.environ.get("MEDIA_STORAGE_URL_TTL", "60"))

# JSON lines with the request id (lms/logging.py); LOG_FORMAT=text for a person reading a terminal.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
LOGGING = logging_config(level=os.environ.get("LOG_LEVEL", "INFO"), json=LOG_FORMAT == "json")
# The workers log through the same handlers (JSON, redacted) instead of Celery's own set-up.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Errors to Sentry only when a DSN is given (lms/sentry.py); never otherwise.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
sentry_init(
    dsn=SENTRY_DSN,
    environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
    release=os.environ.get("SENTRY_RELEASE", ""),
    traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
)
