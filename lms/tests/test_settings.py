import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _load(settings_module: str, **env) -> subprocess.CompletedProcess:
    code = (
        "import django, json; from django.conf import settings; django.setup();"
        "print(json.dumps({k: getattr(settings, k) for k in ['DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE',"
        " 'SECURE_HSTS_SECONDS', 'CSRF_TRUSTED_ORIGINS', 'ALLOWED_HOSTS', 'CELERY_TASK_ALWAYS_EAGER']}))"
    )
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "REDIS_URL", "DATABASE_URL"}}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": settings_module, **env},
        capture_output=True,
        text=True,
    )


def test_production_refuses_the_default_secret_key():
    result = _load("lms.settings.production")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_is_safe():
    import json

    result = _load(
        "lms.settings.production",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="lms.example.org",
        CSRF_TRUSTED_ORIGINS="https://lms.example.org",
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["CSRF_TRUSTED_ORIGINS"] == ["https://lms.example.org"]
    assert values["ALLOWED_HOSTS"] == ["lms.example.org"]


def test_without_redis_celery_runs_eagerly():
    import json

    result = _load("lms.settings.dev")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["CELERY_TASK_ALWAYS_EAGER"] is True
