import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load(settings_module: str, **env) -> subprocess.CompletedProcess:
    code = (
        "import django, json; from django.conf import settings; django.setup();"
        "print(json.dumps({k: getattr(settings, k) for k in ['DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE',"
        " 'SECURE_HSTS_SECONDS', 'CSRF_TRUSTED_ORIGINS', 'ALLOWED_HOSTS', 'CELERY_TASK_ALWAYS_EAGER',"
        " 'MFA_REQUIRED_FOR_ROLES']}))"
    )
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "REDIS_URL", "DATABASE_URL"}}
    clean = {k: v for k, v in clean.items() if not k.startswith("AWS_") and k != "DEFAULT_FILE_STORAGE"}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": settings_module, **env},
        capture_output=True,
        text=True,
    )


# What a correctly configured production environment sets; each refusal test spoils one of them.
PRODUCTION_ENV = {
    "SECRET_KEY": "production-test-key-" + "0123456789" * 3,
    "ALLOWED_HOSTS": "lms.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://lms.example.org",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "REDIS_URL": "redis://127.0.0.1:6379/15",
}


@pytest.mark.parametrize(
    ("spoilt", "variable"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "insecure-development-key-change-me"}, "SECRET_KEY"),
        ({"SECRET_KEY": "abcdefg" * 7}, "SECRET_KEY"),  # 49 characters
        ({"SECRET_KEY": "abab" * 20}, "SECRET_KEY"),  # long, but two characters
        ({"DEBUG": "true"}, "DEBUG"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
        ({"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}, "EMAIL_BACKEND"),
        ({"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}, "EMAIL_BACKEND"),
        ({"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend"}, "EMAIL_BACKEND"),
        ({"EMAIL_BACKEND": ""}, "EMAIL_BACKEND"),
        ({"REDIS_URL": ""}, "REDIS_URL"),
        # S3 chosen for the media, without what it needs.
        ({"DEFAULT_FILE_STORAGE": "storages.backends.s3.S3Storage"}, "AWS_STORAGE_BUCKET_NAME"),
        (
            {"DEFAULT_FILE_STORAGE": "storages.backends.s3.S3Storage", "AWS_STORAGE_BUCKET_NAME": "lms-media"},
            "AWS_ACCESS_KEY_ID",
        ),
        (
            {
                "DEFAULT_FILE_STORAGE": "storages.backends.s3.S3Storage",
                "AWS_STORAGE_BUCKET_NAME": "lms-media",
                "AWS_ACCESS_KEY_ID": "key",
            },
            "AWS_SECRET_ACCESS_KEY",
        ),
        # Sign-in with VK ID or Yandex ID half set up, or over plain http.
        ({"VK_ID_CLIENT_ID": "vk-app"}, "VK_ID_CLIENT_SECRET"),
        ({"YANDEX_ID_CLIENT_SECRET": "secret"}, "YANDEX_ID_CLIENT_ID"),
        (
            {"VK_ID_CLIENT_ID": "vk-app", "VK_ID_CLIENT_SECRET": "secret", "VK_ID_TOKEN_URL": "http://id.vk.ru/t"},
            "VK_ID_TOKEN_URL",
        ),
    ],
)
def test_production_refuses_to_start_half_configured(spoilt, variable):
    env = {k: v for k, v in {**PRODUCTION_ENV, **spoilt}.items() if v or k == "SECRET_KEY"}
    result = _load("lms.settings.production", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("entry", ["lms.wsgi", "lms.asgi", "lms.celery"])
def test_the_servers_and_celery_default_to_production(entry):
    """Started without a settings module, the web servers and Celery get production's checks (here:
    the default secret key is refused) rather than the development settings with DEBUG on."""
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    code = f"import django, {entry}; from django.conf import settings; django.setup(); print(settings.DEBUG)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr.strip().splitlines()[-1]


def test_production_is_safe():
    import json

    result = _load("lms.settings.production", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["CSRF_TRUSTED_ORIGINS"] == ["https://lms.example.org"]
    assert values["ALLOWED_HOSTS"] == ["lms.example.org"]
    # Those who decide admission log in with a second factor unless the deployment says otherwise.
    assert values["MFA_REQUIRED_FOR_ROLES"] == ["staff", "expert"]


@pytest.mark.parametrize(
    ("settings_module", "variable", "roles"),
    [
        ("lms.settings.production", None, ["staff", "expert"]),
        ("lms.settings.production", "", ["staff", "expert"]),  # set but empty: the default, not "nobody"
        ("lms.settings.production", "none", []),
        ("lms.settings.production", "staff, editor", ["staff", "editor"]),
        ("lms.settings.dev", None, []),  # `make demo`: offered, required of nobody
        ("lms.settings.dev", "staff,expert", ["staff", "expert"]),
    ],
)
def test_who_must_have_two_factor_authentication_comes_from_the_environment(settings_module, variable, roles):
    import json

    env = dict(PRODUCTION_ENV) if variable is None else {**PRODUCTION_ENV, "MFA_REQUIRED_FOR_ROLES": variable}
    result = _load(settings_module, **env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["MFA_REQUIRED_FOR_ROLES"] == roles


def test_a_misspelt_role_refuses_to_start_rather_than_require_nothing():
    result = _load("lms.settings.production", **PRODUCTION_ENV, MFA_REQUIRED_FOR_ROLES="staf,expert")
    assert result.returncode != 0
    assert "MFA_REQUIRED_FOR_ROLES names no role: staf" in result.stderr


def test_without_redis_celery_runs_eagerly():
    import json

    result = _load("lms.settings.dev")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["CELERY_TASK_ALWAYS_EAGER"] is True


def test_production_takes_s3_with_its_bucket_and_keys():
    import json

    env = {
        **PRODUCTION_ENV,
        "DEFAULT_FILE_STORAGE": "storages.backends.s3.S3Storage",
        "AWS_STORAGE_BUCKET_NAME": "lms-media",
        "AWS_ACCESS_KEY_ID": "key",
        "AWS_SECRET_ACCESS_KEY": "secret",
    }
    result = _load("lms.settings.production", **env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["DEBUG"] is False


def test_production_turns_a_provider_on_with_its_id_and_secret():
    """VK ID on (both variables set), Yandex ID off (neither), at the real providers' https endpoints."""
    code = (
        "import django, json; from django.conf import settings; django.setup();"
        "print(json.dumps(settings.SOCIALACCOUNT_PROVIDERS))"
    )
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "REDIS_URL", "DATABASE_URL"}}
    env = {**clean, **PRODUCTION_ENV, "VK_ID_CLIENT_ID": "vk-app", "VK_ID_CLIENT_SECRET": "vk-secret"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "lms.settings.production"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    import json

    providers = json.loads(result.stdout.strip().splitlines()[-1])
    assert providers["vk"]["APPS"] == [{"client_id": "vk-app", "secret": "vk-secret"}]
    assert providers["yandex"]["APPS"] == []
    assert providers["vk"]["AUTHORIZE_URL"] == "https://id.vk.ru/authorize"
    assert providers["yandex"]["PROFILE_URL"] == "https://login.yandex.ru/info"
    assert providers["vk"]["OAUTH_PKCE_ENABLED"] and providers["yandex"]["OAUTH_PKCE_ENABLED"]
