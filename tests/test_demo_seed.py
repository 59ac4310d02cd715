"""`make demo` from a fresh clone: migrate the embedded SQLite database and seed it, twice."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

COUNT_MODELS = """
import json, django
django.setup()
from django.apps import apps
print(json.dumps({m._meta.label: m.objects.count() for m in apps.get_models()
                  if m._meta.app_label in {"lms", "cms", "media", "courses", "live", "assessments", "auth"}}))
"""


def _run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)


def test_demo_seeds_the_embedded_database_and_is_idempotent(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}},
        "DJANGO_SETTINGS_MODULE": "lms.settings.dev",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "REDIS_URL": "",
    }
    migrate = _run(["manage.py", "migrate", "--noinput", "-v0"], env)
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    first = _run(["manage.py", "seed_demo"], env)
    assert first.returncode == 0, first.stderr[-3000:]
    for login in (
        "demo-beginner",
        "demo-young",
        "demo-pro",
        "demo-editor",
        "demo-speaker",
        "demo-expert",
        "demo-staff",
    ):
        assert login in first.stdout
    counts = json.loads(_run(["-c", COUNT_MODELS], env).stdout)
    assert counts["lms.Participant"] >= 3
    assert counts["courses.LecturePage"] >= 2 and counts["media.VideoAsset"] >= 2
    assert counts["live.LiveSession"] >= 2
    second = _run(["manage.py", "seed_demo"], env)
    assert second.returncode == 0, second.stderr[-3000:]
    assert json.loads(_run(["-c", COUNT_MODELS], env).stdout) == counts
