"""``siaga vulns_import``: counts and problems printed, refused files make the exit status 1."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from siaga.vulns.models import Vulnerability
from siaga.vulns.tests.conftest import CVE_SAMPLES, kev_catalog, kev_record

pytestmark = pytest.mark.django_db


def test_kev_cve_and_epss_in_one_run(tmp_path: Path) -> None:
    kev = tmp_path / "kev.json"
    kev.write_text(
        json.dumps(
            kev_catalog(kev_record("CVE-2024-3400"), kev_record("CVE-2024-0002", dueDate="no"))
        )
    )
    epss = tmp_path / "epss.csv"
    epss.write_text(
        "#model_version:v1,score_date:2025-08-25\ncve,epss,percentile\nCVE-2024-3400,0.9,0.99\n"
    )
    out = StringIO()

    call_command("vulns_import", kev=kev, cve=[CVE_SAMPLES], epss=epss, stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0] == "KEV: 1 created, 0 updated, 0 unchanged, 1 skipped, 0 no longer listed"
    assert lines[1].startswith("  CVE-2024-0002 (record 1): dueDate:")
    assert "CVE: 2 created, 1 updated, 0 unchanged, 0 skipped" in lines
    assert "EPSS: 0 created, 1 updated, 0 unchanged, 0 skipped" in lines
    row = Vulnerability.objects.get(cve_id="CVE-2024-3400")
    assert row.in_kev and row.cvss4_score is not None and row.epss_score == 0.9


def test_a_refused_file_exits_1(tmp_path: Path) -> None:
    kev = tmp_path / "kev.json"
    kev.write_text("[]")
    err = StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("vulns_import", kev=kev, stderr=err)
    assert exit_.value.code == 1
    assert "refused" in err.getvalue()


def test_nothing_to_import_is_an_error() -> None:
    with pytest.raises(CommandError):
        call_command("vulns_import")


def test_csaf_kind_and_paths(tmp_path: Path) -> None:
    from siaga.vulns.tests.conftest import csaf_document

    (tmp_path / "a.json").write_text(json.dumps(csaf_document()))
    out = StringIO()
    call_command("vulns_import", "csaf", str(tmp_path), stdout=out)
    assert out.getvalue().splitlines()[0] == (
        "CSAF: 1 created, 0 updated, 0 unchanged, 0 skipped; "
        "1 new vulnerabilities, 2 affected products"
    )
    (tmp_path / "b.json").write_text("{}")
    out = StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("vulns_import", csaf=[tmp_path], stdout=out)
    assert exit_.value.code == 1
    assert "CSAF: 0 created, 0 updated, 1 unchanged, 1 skipped" in out.getvalue()
    assert "  b.json: /: " in out.getvalue()


def test_positional_kind_is_checked() -> None:
    with pytest.raises(CommandError, match="the kind is"):
        call_command("vulns_import", "nvd", "x.json")
    with pytest.raises(CommandError, match="name the files"):
        call_command("vulns_import", "csaf")
    with pytest.raises(CommandError, match="exactly one"):
        call_command("vulns_import", "kev", "a.json", "b.json")
