"""The Indonesian catalogue covers every string in the code, and the compiled .mo matches it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "siaga" / "locale" / "id" / "LC_MESSAGES" / "django.po"


def test_the_compiled_catalogue_matches_the_source_catalogue():
    source = {
        (e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0, "")
        for e in polib.pofile(str(CATALOGUE)).translated_entries()
    }
    compiled = {
        (e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0, "")
        for e in polib.mofile(str(CATALOGUE.with_suffix(".mo")))
        if e.msgid
    }
    assert compiled == source, "django.mo is stale: run `python -m siaga.core.i18n compile`"


@pytest.mark.skipif(
    shutil.which("xgettext") is None,
    reason="needs GNU gettext's xgettext (apt-get install gettext)",
)
def test_every_translatable_string_is_in_the_catalogue(tmp_path):
    copy = tmp_path / "project"
    shutil.copytree(
        ROOT / "siaga", copy / "siaga", ignore=shutil.ignore_patterns("__pycache__", "tests")
    )
    shutil.copy(ROOT / "manage.py", copy / "manage.py")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(PYTHONPATH=str(copy), SIAGA_DATA_DIR=str(tmp_path / "var"))
    result = subprocess.run(
        [
            sys.executable,
            str(copy / "manage.py"),
            "makemessages",
            "--locale",
            "id",
            "--no-obsolete",
        ],
        cwd=copy / "siaga",
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    extracted = polib.pofile(str(copy / "siaga" / "locale" / "id" / "LC_MESSAGES" / "django.po"))
    committed = {(e.msgctxt, e.msgid) for e in polib.pofile(str(CATALOGUE)).translated_entries()}
    missing = sorted(e.msgid for e in extracted if (e.msgctxt, e.msgid) not in committed)
    assert not missing, f"untranslated strings (run `make messages` and translate): {missing}"
