"""``siaga import_misp``: an event file or a feed directory from the command line."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from siaga.core.testing import Personas
from siaga.integrations.misp.tests.helpers import FIXTURES
from siaga.intel.models import Indicator

pytestmark = pytest.mark.django_db


def test_import_an_event_file(personas: Personas) -> None:
    out = StringIO()
    call_command(
        "import_misp", str(FIXTURES / "event.json"), "--organization", "Test CERT", stdout=out
    )
    assert "16 indicators created" in out.getvalue()
    assert "not imported: type regkey (1)" in out.getvalue()
    assert Indicator.objects.count() == 16


def test_import_a_feed_directory(personas: Personas, tmp_path: Path) -> None:
    (tmp_path / "5e6f2b1a-8d4c-4b7e-9a3f-1c2d3e4f5a6b.json").write_bytes(
        (FIXTURES / "event.json").read_bytes()
    )
    out = StringIO()
    call_command("import_misp", str(tmp_path), "--organization", "Test CERT", stdout=out)
    assert "1 events" in out.getvalue()


def test_errors_are_clear(personas: Personas, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No organization"):
        call_command("import_misp", str(FIXTURES / "event.json"), "--organization", "Nobody")
    broken = tmp_path / "broken.json"
    broken.write_text('{"Event": [')
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("import_misp", str(broken), "--organization", "Test CERT")
    with pytest.raises(CommandError, match="cannot be shared"):
        call_command(
            "import_misp",
            str(FIXTURES / "event.json"),
            "--organization",
            "Test CERT",
            "--distribution",
            "public",
        )
