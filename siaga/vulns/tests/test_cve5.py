"""CVE JSON 5 records: fields read, CVSS scored by the library, REJECTED, bad records."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import cvss
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siaga.vulns.importers.cve5 import import_cve_files, import_cve_records
from siaga.vulns.importers.kev import import_kev
from siaga.vulns.models import Vulnerability
from siaga.vulns.tests.conftest import CVE_SAMPLES, cve_sample, kev_catalog, kev_record

pytestmark = pytest.mark.django_db


def test_a_directory_of_records_imports_and_repeats_as_unchanged() -> None:
    result = import_cve_files([CVE_SAMPLES])
    assert (result.created, result.updated, result.skipped) == (3, 0, 0)
    again = import_cve_files([CVE_SAMPLES])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_cvss_v31_is_scored_by_the_library_not_taken_from_the_record() -> None:
    import_cve_files([CVE_SAMPLES / "CVE-2024-21762.json"])
    row = Vulnerability.objects.get(cve_id="CVE-2024-21762")
    vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:F/RL:X/RC:C"
    library = cvss.CVSS3(vector)
    assert row.cvss3_vector == library.clean_vector()
    assert row.cvss3_score == Decimal(str(library.base_score)) == Decimal("9.8")  # record says 9.6
    assert row.cvss3_severity == "critical"
    assert row.title == "FortiOS SSL VPN out-of-bounds write"
    assert row.description.startswith("A out-of-bounds write in Fortinet FortiOS")
    assert row.cwe_ids == ["CWE-787"]
    assert row.references == [
        "https://fortiguard.com/psirt/FG-IR-24-015",
        "https://www.cisa.gov/known-exploited-vulnerabilities-catalog",
    ]
    assert row.published is not None and row.published.year == 2024


def test_cvss_v40_from_the_cna_and_v31_from_cisa_adp() -> None:
    import_cve_files([CVE_SAMPLES / "CVE-2024-3400.json"])
    row = Vulnerability.objects.get(cve_id="CVE-2024-3400")
    record = cve_sample("CVE-2024-3400")
    v4 = cvss.CVSS4(record["containers"]["cna"]["metrics"][0]["cvssV4_0"]["vectorString"])
    assert row.cvss4_score == Decimal(str(v4.base_score)).quantize(Decimal("0.1"))
    assert row.cvss4_severity == v4.severity.lower()
    v3 = cvss.CVSS3("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H")
    assert (row.cvss3_score, row.cvss3_severity) == (Decimal(str(v3.base_score)), "critical")
    assert row.cwe_ids == ["CWE-77", "CWE-20"]


def test_a_bad_vector_is_reported_and_not_stored_the_rest_is() -> None:
    record = cve_sample("CVE-2024-21762")
    record["containers"]["cna"]["metrics"][0]["cvssV3_1"]["vectorString"] = "CVSS:3.1/AV:Q/AC:L"
    record["containers"]["cna"]["metrics"].append(
        {"cvssV4_0": {"vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}}
    )
    result = import_cve_records([("sample.json", record)])
    assert result.created == 1 and result.skipped == 0
    assert [p.field for p in result.problems] == [
        "containers.cna.metrics[0].cvssV3_1.vectorString",
        "containers.cna.metrics[1].cvssV4_0.vectorString",
    ]
    row = Vulnerability.objects.get()
    assert (row.cvss3_vector, row.cvss3_score, row.cvss4_score) == ("", None, None)
    assert row.cwe_ids == ["CWE-787"]


def test_a_rejected_record_flags_the_vulnerability_and_keeps_it() -> None:
    import_kev(kev_catalog(kev_record("CVE-2023-99999")))
    import_cve_files([CVE_SAMPLES / "CVE-2023-99999.json"])
    row = Vulnerability.objects.get(cve_id="CVE-2023-99999")
    assert row.rejected and "duplicate of CVE-2023-12345" in row.rejected_reason
    assert row.in_kev  # the KEV fields are the KEV import's


def test_an_older_copy_does_not_undo_a_newer_one() -> None:
    import_cve_files([CVE_SAMPLES / "CVE-2024-3400.json"])
    older = cve_sample("CVE-2024-3400")
    older["cveMetadata"]["dateUpdated"] = "2024-04-12T07:05:00.000Z"
    older["containers"]["cna"]["title"] = "Old title"
    result = import_cve_records([("old.json", older)])
    assert result.skipped == 1 and result.problems[0].field == "cveMetadata.dateUpdated"
    assert Vulnerability.objects.get().title.startswith("PAN-OS")


def test_a_changed_record_updates() -> None:
    import_cve_files([CVE_SAMPLES / "CVE-2024-3400.json"])
    newer = cve_sample("CVE-2024-3400")
    newer["cveMetadata"]["dateUpdated"] = "2025-01-01T00:00:00Z"
    newer["containers"]["cna"]["references"].append({"url": "https://example.org/writeup"})
    result = import_cve_records([("new.json", newer)])
    assert (result.updated, result.unchanged) == (1, 0)
    assert Vulnerability.objects.get().references[-1] == "https://example.org/writeup"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda r: r.update(dataType="CVE_RECORD_LIST"), "dataType"),
        (lambda r: r.update(dataVersion="4.0"), "dataVersion"),
        (lambda r: r["cveMetadata"].update(cveId="CVE-24-1"), "cveMetadata.cveId"),
        (lambda r: r["cveMetadata"].update(state="RESERVED"), "cveMetadata.state"),
        (lambda r: r["cveMetadata"].update(dateUpdated="yesterday"), "cveMetadata.dateUpdated"),
        (lambda r: r["containers"]["cna"].update(descriptions=[]), "containers.cna.descriptions"),
        (lambda r: r["containers"].pop("cna"), "containers.cna"),
        (lambda r: r["containers"]["cna"].update(title="x" * 600), "title"),
    ],
)
def test_a_bad_record_is_skipped_with_its_field(change: Any, field: str) -> None:
    record = cve_sample("CVE-2024-3400")
    change(record)
    result = import_cve_records([("bad.json", record), ("good.json", cve_sample("CVE-2024-21762"))])
    assert (result.created, result.skipped) == (1, 1)
    assert result.problems[0].field == field
    assert "bad.json" in result.problems[0].record


def test_unreadable_files_are_skipped_by_name(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text("{")
    (tmp_path / "good.json").write_text(json.dumps(cve_sample("CVE-2024-3400")))
    result = import_cve_files([tmp_path])
    assert (result.created, result.skipped) == (1, 1)
    assert result.problems[0].record == "broken.json"


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=10,
)
_paths = st.sampled_from(
    [
        ("cveMetadata",),
        ("cveMetadata", "state"),
        ("cveMetadata", "datePublished"),
        ("containers",),
        ("containers", "cna"),
        ("containers", "cna", "metrics"),
        ("containers", "cna", "problemTypes"),
        ("containers", "cna", "references"),
        ("containers", "cna", "descriptions"),
        ("containers", "adp"),
    ]
)


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(mutations=st.lists(st.tuples(_paths, _json), min_size=1, max_size=3), whole=_json)
def test_mutated_records_never_raise(
    mutations: list[tuple[tuple[str, ...], Any]], whole: Any
) -> None:
    Vulnerability.objects.all().delete()
    record = copy.deepcopy(cve_sample("CVE-2024-3400"))
    for path, value in mutations:
        target = record
        for key in path[:-1]:
            target = target.get(key) if isinstance(target, dict) else None
        if isinstance(target, dict):
            target[path[-1]] = value
    result = import_cve_records([("mutated.json", record), ("random.json", whole)])
    assert result.created + result.skipped == 2
    assert Vulnerability.objects.count() == result.created
