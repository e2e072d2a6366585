"""Importing vendors' CSAF 2.0 advisories: schema errors refuse, mandatory-test failures warn,
idempotent by (publisher namespace, tracking id), vulnerabilities only filled where empty, affected
products with vendor/product/versions, replaced with a newer release, never half-saved."""

from __future__ import annotations

import copy
import hashlib
import json
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from siaga.sharing.choices import TLP
from siaga.vulns.importers.csaf import import_csaf, import_csaf_files
from siaga.vulns.models import AffectedProduct, VendorAdvisory, Vulnerability
from siaga.vulns.tests.conftest import CSAF_DIR, csaf_document, needs_icsma

pytestmark = pytest.mark.django_db


def _bytes(document: dict[str, Any]) -> bytes:
    return json.dumps(document).encode()


def test_a_document_is_stored_whole_with_its_products() -> None:
    raw = _bytes(csaf_document())
    result = import_csaf(raw)
    assert result.ok and (result.created, result.updated, result.unchanged) == (1, 0, 0)
    assert result.problems == []
    assert (result.new_vulnerabilities, result.products) == (1, 2)
    advisory = VendorAdvisory.objects.get()
    assert advisory.tracking_id == "CONTOSO-2025-001"
    assert advisory.publisher_namespace == "https://contoso.example"
    assert advisory.tlp == TLP.CLEAR  # WHITE in TLP 1.0
    assert advisory.sha256 == hashlib.sha256(raw).hexdigest()
    assert advisory.document == json.loads(raw)
    assert advisory.current_release_date.isoformat() == "2025-03-01T10:00:00+00:00"
    vulnerability = Vulnerability.objects.get()
    assert vulnerability.cve_id == "CVE-2025-10001"
    assert vulnerability.description.startswith("The pump gateway")
    assert vulnerability.cwe_ids == ["CWE-798"]
    assert vulnerability.cvss3_score == Decimal("9.8")
    assert vulnerability.cvss3_severity == "critical"
    assert vulnerability.references == ["https://contoso.example/psirt/1"]
    assert vulnerability.last_source == "csaf"
    rows = {row.product_id: row for row in AffectedProduct.objects.all()}
    affected, fixed = rows["CSAFPID-0001"], rows["CSAFPID-0002"]
    assert (affected.status, affected.source) == ("affected", "csaf")
    assert (affected.vendor, affected.product, affected.versions) == (
        "Contoso Medical",
        "Pump Gateway",
        "vers:generic/<2.7",
    )
    assert (affected.vendor_key, affected.product_key) == ("contoso medical", "pump gateway")
    assert affected.vendor_advisory == advisory
    assert fixed.status == "fixed" and fixed.versions == "2.7"


@pytest.mark.parametrize(
    ("label", "tlp"),
    [("GREEN", TLP.GREEN), ("AMBER", TLP.AMBER), ("RED", TLP.RED), ("WHITE", TLP.CLEAR)],
)
def test_tlp_labels_become_tlp_2(label: str, tlp: str) -> None:
    assert import_csaf(csaf_document(tlp=label)).ok
    assert VendorAdvisory.objects.get().tlp == tlp


def test_the_same_or_an_older_release_changes_nothing() -> None:
    import_csaf(csaf_document())
    again = import_csaf(csaf_document())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    older = csaf_document(release="2025-02-01T00:00:00Z")
    older["document"]["title"] = "Old title"
    result = import_csaf(older)
    assert result.unchanged == 1
    assert VendorAdvisory.objects.get().title != "Old title"
    assert AffectedProduct.objects.count() == 2


def test_a_newer_release_replaces_the_document_and_its_products() -> None:
    import_csaf(csaf_document())
    first_ids = set(AffectedProduct.objects.values_list("pk", flat=True))
    newer = csaf_document(
        release="2025-04-01T00:00:00Z",
        product_status={"known_affected": ["CSAFPID-0001", "CSAFPID-0002"]},
    )
    newer["document"]["tracking"]["revision_history"].append(
        {"date": "2025-04-01T00:00:00Z", "number": "2", "summary": "2.7 affected too"}
    )
    newer["document"]["tracking"]["version"] = "2"
    result = import_csaf(newer)
    assert (result.created, result.updated, result.problems) == (0, 1, [])
    advisory = VendorAdvisory.objects.get()
    assert advisory.tracking_version == "2"
    rows = AffectedProduct.objects.all()
    assert {row.status for row in rows} == {"affected"}
    assert not first_ids & {row.pk for row in rows}


def test_only_empty_vulnerability_fields_are_filled() -> None:
    Vulnerability.objects.create(
        cve_id="CVE-2025-10001",
        title="From the CVE record",
        description="The CVE record's words.",
        last_source="cve",
    )
    result = import_csaf(csaf_document(title="CSAF title"))
    assert result.new_vulnerabilities == 0
    vulnerability = Vulnerability.objects.get()
    assert vulnerability.title == "From the CVE record"
    assert vulnerability.description == "The CVE record's words."
    assert vulnerability.cwe_ids == ["CWE-798"]  # was empty
    assert vulnerability.cvss3_vector.startswith("CVSS:3.1/")


def test_schema_errors_refuse_with_their_paths() -> None:
    document = csaf_document()
    del document["document"]["publisher"]
    document["product_tree"]["branches"][0]["category"] = "maker"
    result = import_csaf(document)
    assert not result.ok
    assert len(result.errors) >= 2
    assert any(error.startswith("/document:") and "publisher" in error for error in result.errors)
    assert any(error.startswith("/product_tree/branches/0/category") for error in result.errors)
    assert not VendorAdvisory.objects.exists() and not Vulnerability.objects.exists()


def test_failed_mandatory_tests_warn_but_import() -> None:
    # 6.1.1: a product id used but never defined
    document = csaf_document(product_status={"known_affected": ["CSAFPID-0001", "CSAFPID-9999"]})
    result = import_csaf(document)
    assert result.ok and result.created == 1
    warnings = [problem for problem in result.problems if "mandatory test 6.1.1" in problem.message]
    assert warnings and warnings[0].record == "CONTOSO-2025-001"
    assert warnings[0].field.startswith("/vulnerabilities/0/product_status")
    left_out = [problem for problem in result.problems if "CSAFPID-9999" in problem.message]
    assert left_out
    assert AffectedProduct.objects.count() == 1


def test_unreadable_input_is_refused() -> None:
    assert import_csaf(b"{not json").errors[0].startswith("file: not JSON")
    assert import_csaf(b"[1, 2]").errors == ["/: a CSAF document is a JSON object"]
    assert import_csaf(Path("/nonexistent/file.json")).errors[0].startswith("file: cannot read")


def test_a_vulnerability_without_a_cve_is_noted() -> None:
    document = csaf_document()
    del document["vulnerabilities"][0]["cve"]
    document["vulnerabilities"][0]["ids"] = [{"system_name": "Contoso", "text": "CT-1"}]
    result = import_csaf(document)
    assert result.ok and result.created == 1
    assert any(problem.field == "/vulnerabilities/0/cve" for problem in result.problems)
    assert not Vulnerability.objects.exists()


def test_a_failure_while_storing_leaves_nothing() -> None:
    with (
        mock.patch(
            "siaga.vulns.importers.csaf.AffectedProduct.objects.bulk_create",
            side_effect=RuntimeError("disk full"),
        ),
        pytest.raises(RuntimeError),
    ):
        import_csaf(csaf_document())
    assert not VendorAdvisory.objects.exists()
    assert not Vulnerability.objects.exists()


def test_files_refused_are_skipped_with_reasons(tmp_path: Path) -> None:
    (tmp_path / "good.json").write_bytes(_bytes(csaf_document()))
    (tmp_path / "bad.json").write_text("nope")
    broken = copy.deepcopy(csaf_document(tracking_id="X-2"))
    broken["document"]["category"] = 7
    (tmp_path / "broken.json").write_bytes(_bytes(broken))
    result = import_csaf_files([tmp_path])
    assert result.ok
    assert (result.created, result.skipped) == (1, 2)
    records = {problem.record for problem in result.problems}
    assert {"bad.json", "broken.json"} <= records
    assert any(
        problem.record == "broken.json" and problem.field == "/document/category"
        for problem in result.problems
    )


@needs_icsma
def test_every_icsma_file_imports() -> None:
    files = sorted(CSAF_DIR.glob("*.json"))
    assert len(files) >= 60
    result = import_csaf_files([CSAF_DIR])
    refused = [problem for problem in result.problems if problem.record.endswith(".json")]
    assert refused == []
    assert result.skipped == 0
    assert result.created == VendorAdvisory.objects.count() == len(files)
    assert Vulnerability.objects.count() > 60
    assert AffectedProduct.objects.filter(source="csaf").count() == result.products > 100
    # every affected row names a vendor and a product from its tree
    assert not AffectedProduct.objects.filter(vendor="").exists()
    assert not AffectedProduct.objects.filter(product="").exists()
    # real CISA files fail some mandatory tests: listed, not refused
    assert any("mandatory test 6.1.27" in problem.message for problem in result.problems)
    again = import_csaf_files([CSAF_DIR])
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(files))
    assert AffectedProduct.objects.count() == result.products


def test_nul_characters_are_refused_with_their_path() -> None:
    document = csaf_document()
    document["document"]["title"] = "Pump\x00Gateway"
    result = import_csaf(json.dumps(document).encode())
    assert result.errors == [
        "/document/title: contains a NUL character (\\u0000), which is not stored"
    ]
    document = csaf_document()
    document["document"]["notes"] = [{"category": "other", "text": "x", "title": "t", "a\x00": 1}]
    assert import_csaf(document).errors[0].startswith("/document/notes/0/a")
    assert not VendorAdvisory.objects.exists()


def test_a_cvss_30_vector_is_scored_as_31_and_noted() -> None:
    document = csaf_document(
        scores=[
            {
                "cvss_v3": {
                    "baseScore": 7.8,
                    "baseSeverity": "HIGH",
                    "vectorString": "CVSS:3.0/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H",
                    "version": "3.0",
                },
                "products": ["CSAFPID-0001"],
            }
        ]
    )
    result = import_csaf(document)
    assert result.ok
    vulnerability = Vulnerability.objects.get()
    assert vulnerability.cvss3_vector == "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H"
    assert vulnerability.cvss3_score == Decimal("7.8")
    assert [problem.field for problem in result.problems] == [
        "/vulnerabilities/0/scores/0/cvss_v3/vectorString"
    ]
    assert "scored as CVSS v3.1" in result.problems[0].message
