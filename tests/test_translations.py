"""Russian is the default language: every catalogue is complete, and nothing in it is fuzzy
(msgfmt leaves fuzzy entries out of the compiled catalogue, so they silently show in English)."""

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = sorted(ROOT.glob("*/locale/ru/LC_MESSAGES/django.po"))


def _entries(*flags: str, catalogue: Path) -> list[str]:
    output = subprocess.run(["msgattrib", *flags, str(catalogue)], capture_output=True, text=True, check=True).stdout
    # msgattrib keeps the header (msgid "") whenever it prints anything.
    return [line for line in output.splitlines() if line.startswith("msgid ") and line != 'msgid ""']


def test_every_app_has_a_russian_catalogue():
    apps = {catalogue.parts[-5] for catalogue in CATALOGUES}
    assert {"lms", "cms", "media", "courses", "live", "assessments"} <= apps


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda path: path.parts[-5])
def test_the_russian_catalogue_is_complete_and_has_nothing_fuzzy(catalogue):
    assert _entries("--untranslated", catalogue=catalogue) == []
    assert _entries("--only-fuzzy", catalogue=catalogue) == []
