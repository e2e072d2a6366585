"""EPSS score files: plain and gzip'd, unknown CVEs, bad rows, older files."""

from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siaga.vulns.importers.epss import import_epss
from siaga.vulns.models import Vulnerability

pytestmark = pytest.mark.django_db

HEADER = "#model_version:v2025.03.14,score_date:2025-08-25T12:55:00Z\ncve,epss,percentile\n"


def _known(*cves: str) -> None:
    Vulnerability.objects.bulk_create(Vulnerability(cve_id=cve) for cve in cves)


def test_scores_update_known_cves_and_skip_unknown_ones(tmp_path: Path) -> None:
    _known("CVE-2024-3400", "CVE-2024-21762")
    path = tmp_path / "epss_scores-2025-08-25.csv.gz"
    path.write_bytes(
        gzip.compress(
            (
                HEADER + "CVE-2024-3400,0.94320,0.99960\nCVE-2024-21762,0.91234,0.99650\n"
                "CVE-1999-0001,0.01,0.5\nCVE-1999-0002,0.02,0.6\n"
            ).encode()
        )
    )
    result = import_epss(path)
    assert result.ok, result.errors
    assert (result.updated, result.skipped) == (2, 2)
    assert "2 CVEs are not in" in result.problems[0].message
    assert not Vulnerability.objects.filter(cve_id="CVE-1999-0001").exists()
    row = Vulnerability.objects.get(cve_id="CVE-2024-3400")
    assert (row.epss_score, row.epss_percentile, row.epss_date) == (
        0.9432,
        0.9996,
        date(2025, 8, 25),
    )

    again = import_epss(path)
    assert (again.updated, again.unchanged) == (0, 2)


def test_bad_rows_are_skipped_with_line_and_field() -> None:
    _known("CVE-2024-0001", "CVE-2024-0002", "CVE-2024-0003", "CVE-2024-0004")
    body = (
        HEADER + "CVE-2024-0001,0.5,0.7\nCVE-2024-0002,high,0.7\nCVE-2024-0003,0.5,1.5\n"
        "not-a-cve,0.1,0.1\nCVE-2024-0004,,0.2\nCVE-2024-0001,0.6,0.8\n"
    )
    result = import_epss(body.encode())
    assert result.updated == 1
    found = [(p.record, p.field) for p in result.problems]
    assert found == [
        ("line 6 (not-a-cve)", "cve"),
        ("line 4 (CVE-2024-0002)", "epss"),
        ("line 7 (CVE-2024-0004)", "epss"),
        ("line 5 (CVE-2024-0003)", "percentile"),
        ("line 8 (CVE-2024-0001)", "cve"),
    ]
    assert result.skipped == 5
    assert Vulnerability.objects.get(cve_id="CVE-2024-0001").epss_score == 0.5


def test_an_older_file_does_not_overwrite_newer_scores() -> None:
    _known("CVE-2024-0001")
    import_epss((HEADER + "CVE-2024-0001,0.5,0.7\n").encode())
    older = HEADER.replace("2025-08-25", "2025-08-01") + "CVE-2024-0001,0.1,0.2\n"
    result = import_epss(older.encode())
    assert (result.updated, result.skipped) == (0, 1)
    assert Vulnerability.objects.get().epss_score == 0.5


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"cve,epss,percentile\nCVE-2024-0001,0.1,0.1\n", "score_date"),
        (b"#score_date:2025-08-25\ncve,score\nCVE-2024-0001,0.1\n", "header"),
        (b"\x1f\x8b\x08garbage", ""),
        (b"", "score_date"),
    ],
)
def test_an_unreadable_file_is_refused(body: bytes, expected: str) -> None:
    result = import_epss(body)
    assert not result.ok
    assert expected in " ".join(result.errors)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=200) | st.text(max_size=200).map(lambda t: (HEADER + t).encode()))
def test_random_files_never_raise(body: bytes) -> None:
    result = import_epss(body)
    assert result.ok or result.errors
