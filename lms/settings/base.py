"""Settings shared by every environment; each value that differs between machines is read
from the environment so one code base runs as the demo, in CI and in production."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

from lms.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


INSECURE_DEFAULT_SECRET_KEY = "insecure-development-key-change-me"
SECRET_KEY = os.environ.get("SECRET_KEY", INSECURE_DEFAULT_SECRET_KEY)
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")

INSTALLED_APPS = [
    "lms",
    "cms",
    "media",
    "courses",
    "live",
    "assessments",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "health_check",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    # Sign-in with VK ID and Yandex ID: allauth's providers, with endpoints from settings (lms/social/).
    "lms.social.vk",
    "lms.social.yandex",
    "axes",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    # First: every log line of the request, a redirect's included, carries its id.
    "lms.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "lms.middleware.ContentSecurityPolicyMiddleware",
    "lms.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "lms.middleware.ParticipantTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # After the session, the user and allauth's request context: confines a person whose role needs
    # a second factor and who has none to setting it up (lms.mfa, MFA_REQUIRED_FOR_ROLES).
    "lms.mfa.MfaRequiredMiddleware",
    # Last, as django-axes asks: it turns a refused login into the 429 page (lms.lockout).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lms.urls"
WSGI_APPLICATION = "lms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # The programme's name and contacts on every page, from the cache (cms.selectors).
                "cms.context_processors.programme",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        # A kept connection is checked before a request (or a task) reuses it: after the database
        # was away (a restart, a network cut, a restore) the first request reconnects instead of
        # failing on the dead connection.
        conn_health_checks=True,
    )
}
# A read replica for the reports and exports (lms.replica: only `replica_reads()` blocks read it;
# nothing is written or migrated there). Unset: they read the primary.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
    # The test run has one database: the replica's alias reads it through its own connection.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["lms.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "cabinet"
LOGOUT_REDIRECT_URL = "/"

# Accounts (django-allauth): sign-up, login by e-mail or username, logout, password reset and change,
# e-mail verification, on our templates (lms/templates/account/, allauth/layouts/, allauth/elements/).
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out (account, address) pair or address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Username or e-mail; a ModelBackend underneath, so permissions work as Django's do.
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_ADAPTER = "lms.accounts.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# A person may log in before confirming their address (the cabinet says why their application is
# held and resends the link); what needs a verified address is an application counting (lms.services).
ACCOUNT_EMAIL_VERIFICATION = "optional"
# "strict": a sign-up (or an application) with an address someone already holds creates its own
# account and gets the same answer, so neither form tells a stranger which addresses are
# registered, and an unverified holder never blocks the owner (the owner verifies, the holder cannot).
# The owner is told by e-mail instead of a confirmation link (lms.accounts.AccountAdapter).
ACCOUNT_PREVENT_ENUMERATION = "strict"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = int(os.environ.get("ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS", "3"))
ACCOUNT_EMAIL_SUBJECT_PREFIX = "ProКадры: "
# Password logins are django-axes' (below): one set of counters, one refusal that names its
# Retry-After; the account adapter skips allauth's own count of failed passwords
# (AccountAdapter.pre_authenticate). "login_failed" stays on for what allauth's MFA counts with it: the
# second factor's codes, per account (5 wrong in 5 minutes) and per client address (10 a minute).
# allauth's other limits (sign-ups, reset and confirmation e-mails) stay as they are.
ACCOUNT_RATE_LIMITS = {"login": None, "login_failed": "10/m/ip,5/5m/key"}

# Two-factor authentication (allauth's MFA): an authenticator app (TOTP) with recovery codes, set up
# and managed at /accounts/2fa/ (the cabinet's "security" page). A code is asked after the password
# on every way in for whoever has set it up (lms.mfa). MFA_REQUIRED_FOR_ROLES (environment, roles of
# lms.roles, comma-separated; `none` for nobody) names the roles that must have it: someone with
# such a role and no authenticator reaches nothing but setting one up, and the API token endpoint
# refuses them. Production requires it of staff and experts unless told otherwise; the development
# settings (`make demo`) offer it to everyone and require it of nobody.
MFA_ROLES_NONE = "none"
MFA_REQUIRED_FOR_ROLES_DEFAULT = "staff,expert"


def env_roles(name: str, default: str) -> list[str]:
    """A list of role names from the environment: unset or empty → `default`; `none` → no role. A
    name that is no role refuses to start, so a typo never turns a requirement off."""
    from lms.roles import ROLES

    raw = os.environ.get(name, "").strip() or default
    if raw.lower() == MFA_ROLES_NONE:
        return []
    names = [item.strip() for item in raw.split(",") if item.strip()]
    unknown = sorted(set(names) - set(ROLES))
    if unknown:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            f"{name} names no role: {', '.join(unknown)} (roles: {', '.join(ROLES)}; or `{MFA_ROLES_NONE}`)."
        )
    return names


MFA_REQUIRED_FOR_ROLES = env_roles("MFA_REQUIRED_FOR_ROLES", MFA_REQUIRED_FOR_ROLES_DEFAULT)
MFA_ADAPTER = "lms.mfa.MfaAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "ProКадры"
# The code pages' forms: allauth's, with the code's length bounded (lms.mfa).
MFA_FORMS = {
    "authenticate": "lms.mfa.AuthenticateForm",
    "reauthenticate": "lms.mfa.ReauthenticateForm",
    "activate_totp": "lms.mfa.ActivateTOTPForm",
}


# Sign-in with VK ID and Yandex ID (allauth's socialaccount; our providers in lms/social/, whose
# endpoints are read from here, so a test points them at a fake provider on the loopback). A provider
# is on only when both its client id and its secret are set: otherwise no button shows and its
# routes answer 404 (docs/deploy/social-login.md). Only the environment holds the secrets: the
# adapter reads no app from the database, and the admin lists none.
def social_provider(prefix: str, *, authorize_url: str, access_token_url: str, profile_url: str) -> dict:
    client_id = os.environ.get(f"{prefix}_CLIENT_ID", "").strip()
    secret = os.environ.get(f"{prefix}_CLIENT_SECRET", "").strip()
    return {
        "APPS": [{"client_id": client_id, "secret": secret}] if client_id and secret else [],
        "AUTHORIZE_URL": os.environ.get(f"{prefix}_AUTHORIZE_URL", authorize_url),
        "ACCESS_TOKEN_URL": os.environ.get(f"{prefix}_TOKEN_URL", access_token_url),
        "PROFILE_URL": os.environ.get(f"{prefix}_USERINFO_URL", profile_url),
        # Both providers take PKCE (VK ID requires it; allauth asks it of Yandex only when told):
        # a code caught on its way back is worth nothing without this browser's verifier.
        "OAUTH_PKCE_ENABLED": True,
    }


SOCIALACCOUNT_PROVIDERS = {
    "vk": social_provider(
        "VK_ID",
        authorize_url="https://id.vk.ru/authorize",
        access_token_url="https://id.vk.ru/oauth2/auth",
        profile_url="https://id.vk.ru/oauth2/user_info",
    ),
    "yandex": social_provider(
        "YANDEX_ID",
        authorize_url="https://oauth.yandex.ru/authorize",
        access_token_url="https://oauth.yandex.ru/token",
        profile_url="https://login.yandex.ru/info",
    ),
}
SOCIALACCOUNT_ADAPTER = "lms.social.adapter.SocialAccountAdapter"
# A provider's e-mail never logs anyone into an existing account: an account is connected only by its
# owner, logged in (the connections page). Yandex marks every address verified; the adapter trusts
# no provider's flag, so an address counts as confirmed only after our own link was followed.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
# Every newcomer through a provider sees the sign-up completion page (the address, and the advice to
# log in and connect if they already have an account): the same page whether the provider's address
# is free or held by someone, so it tells nobody which addresses are registered.
SOCIALACCOUNT_AUTO_SIGNUP = False
# The provider's tokens are used once, to read the profile, and kept nowhere (nor in the session).
SOCIALACCOUNT_STORE_TOKENS = False
# A login starts with a POST (our buttons are forms): a link cannot start one on someone's behalf.
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = int(os.environ.get("SOCIAL_LOGIN_TIMEOUT_SECONDS", "10"))

# Login throttling (django-axes) on every way in: the allauth login (Wagtail's /cms/login/ and the
# Django admin's login hand over to it), the API token endpoint. lms/lockout.py keeps two counters in
# the cache (Redis in production): the pair (account, client address) is locked after
# LOGIN_FAILURE_LIMIT failures, the address alone after LOGIN_ADDRESS_FAILURE_LIMIT failures on any
# accounts, each for LOGIN_COOLOFF_MINUTES; nobody elsewhere is locked out of their own account.
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("LOGIN_ADDRESS_FAILURE_LIMIT", "20"))
LOGIN_COOLOFF_MINUTES = int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15"))
# Behind a reverse proxy the client's address is the proxy's header's entry LOGIN_CLIENT_IP_PROXY_COUNT
# from the right (each proxy appends the address it was reached from); 0 (no proxy) reads REMOTE_ADDR
# and ignores the header, which anyone can send.
LOGIN_CLIENT_IP_PROXY_COUNT = int(os.environ.get("LOGIN_CLIENT_IP_PROXY_COUNT", "0"))
LOGIN_CLIENT_IP_HEADER = os.environ.get("LOGIN_CLIENT_IP_HEADER", "HTTP_X_FORWARDED_FOR")
AXES_HANDLER = "lms.lockout.LoginLockoutHandler"
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_USERNAME_CALLABLE = "lms.lockout.login_account_key"
AXES_CLIENT_IP_CALLABLE = "lms.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "lms.lockout.lockout_response"
# A refused attempt checks no password, so it neither counts nor moves the release time it names.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# The counters live in the cache only: no table of addresses and usernames to keep and erase.
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False

# Russian first: the programme's participants and staff read Russian; English is the second language.
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
USE_I18N = True
USE_TZ = True
# Stored times are UTC (USE_TZ); this is only the zone shown to people with no zone of their own.
TIME_ZONE = "Europe/Moscow"

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "lms.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Every page loads its session: from the cache, the database only when the cache lost it (each
# write goes to both). It was a query on every request (issue 14 §3).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Celery: without Redis (the embedded demo) tasks run in-process, so the demo needs no broker.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SOFT_TIME_LIMIT = int(os.environ.get("CELERY_TASK_SOFT_TIME_LIMIT", "600"))
CELERY_TASK_TIME_LIMIT = int(os.environ.get("CELERY_TASK_TIME_LIMIT", "900"))
CELERY_TASK_DEFAULT_QUEUE = "default"
# ffmpeg work is slow and CPU-bound: it gets its own queue so it never delays short tasks.
CELERY_TRANSCODE_QUEUE = "transcode"
CELERY_TASK_ROUTES = {"media.video_asset_transcode_task": {"queue": CELERY_TRANSCODE_QUEUE}}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Transcodes are acks_late and may run for hours; Redis would redeliver an unacknowledged task
# after its visibility timeout (one hour by default) to a second worker.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 8 * 3600}
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict = {}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@prokadry.local")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "knox.auth.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "lms.api.AutoSchema",
    "EXCEPTION_HANDLER": "lms.api.exception_handler",
}
# API tokens (django-rest-knox): only a digest is stored; a token lives API_TOKEN_TTL_HOURS and each
# use (at most once a minute) renews it, so an idle one dies and a working client keeps going.
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=float(os.environ.get("API_TOKEN_TTL_HOURS", "10"))),
    "AUTO_REFRESH": True,
    "MIN_REFRESH_INTERVAL": 60,
    "AUTH_HEADER_PREFIX": "Token",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ProKadry LMS API",
    "DESCRIPTION": "Participants, courses, live sessions, assessments and interview admission.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "PREPROCESSING_HOOKS": ["lms.api.schema_only_public_api"],
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "lms.api.schema_add_app_paths"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Several models have a `kind`: each choice set gets its own name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "HostKindEnum": "lms.hosts.models.HostKind",
        "AwardKindEnum": "assessments.models.awards.AwardKind",
        "CertificateKindEnum": "assessments.models.awards.CertificateKind",
    },
}

WAGTAIL_SITE_NAME = "ProКадры"
# Wagtail's admin calls no outside service: no avatars from Gravatar (staff e-mail hashes would
# leave the country), no release check, no "what's new" banner fetched from wagtail.org.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAIL_I18N_ENABLED = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "doc", "xlsx", "pptx", "odt", "txt", "zip"]

# Security headers. Our own pages run no inline script or style: everything is a static file, so
# the policy has no 'unsafe-inline'. hls.js plays from blob: URLs (MediaSource) and may start a
# worker from one. CSP_MEDIA_HOSTS adds the object storage's origin (presigned image or video URLs).
CSP_MEDIA_HOSTS = env_list("CSP_MEDIA_HOSTS")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *CSP_MEDIA_HOSTS],
        "media-src": [SELF, "blob:", *CSP_MEDIA_HOSTS],
        "connect-src": [SELF, *CSP_MEDIA_HOSTS],
        "worker-src": [SELF, "blob:"],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Wagtail's admin (/cms/) and the Django admin write inline scripts and styles in their own
# templates (Wagtail's page editor, its preview, widgets' start-up code), so they get their own
# policy: 'unsafe-inline' for scripts and styles there only, everything else as narrow as above
# (no outside origin; frames only from ourselves, for Wagtail's preview). docs/deploy/README.md.
CONTENT_SECURITY_POLICY_ADMIN_PREFIXES = ("/cms/", "/django-admin/")
CONTENT_SECURITY_POLICY_ADMIN = {
    "DIRECTIVES": {
        **CONTENT_SECURITY_POLICY["DIRECTIVES"],
        "script-src": [SELF, UNSAFE_INLINE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:", *CSP_MEDIA_HOSTS],
        "font-src": [SELF, "data:"],
        "frame-src": [SELF],
        "frame-ancestors": [SELF],
    },
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Features no page of ours uses (BigBlueButton rooms open in their own tab, on their own origin).
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), fullscreen=(self), picture-in-picture=(self), autoplay=(self)"
)

# Text for a developer, JSON lines in production (LOG_FORMAT=json); tokens redacted, request ids
# stamped (lms/logging.py).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
# /metrics answers a scraper on the loopback, or one sending this as a bearer token (empty: none).
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
LOGGING = logging_config(level=os.environ.get("LOG_LEVEL", "INFO"), json=LOG_FORMAT == "json")
