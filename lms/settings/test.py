from .base import *  # noqa: F403
from .base import env_bool

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests call tasks in-process unless a test starts a real worker on purpose.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)
# Static files come straight from the apps' folders: no collectstatic before a test run.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Tests that need the requirement switch it on themselves (override_settings).
MFA_REQUIRED_FOR_ROLES: list[str] = []
