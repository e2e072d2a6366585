"""Affected-product rows from the KEV catalog (one per entry) and CVE JSON 5 ``affected`` lists;
rewritten only when they change, so a repeated import writes nothing."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from siaga.vulns.importers.csaf import import_csaf
from siaga.vulns.importers.cve5 import affected_products, import_cve_records, version_text
from siaga.vulns.importers.kev import import_kev
from siaga.vulns.models import AffectedProduct
from siaga.vulns.tests.conftest import csaf_document, cve_sample, kev_catalog, kev_record

pytestmark = pytest.mark.django_db


def _rows(source: str) -> list[tuple[str, ...]]:
    return list(
        AffectedProduct.objects.filter(source=source)
        .order_by("vulnerability__cve_id", "vendor", "product", "versions", "status")
        .values_list("vulnerability__cve_id", "vendor", "product", "versions", "status")
    )


def test_kev_entry_gives_one_row_for_every_version() -> None:
    result = import_kev(kev_catalog(kev_record("CVE-2024-0001"), kev_record("CVE-2024-0002")))
    assert result.products == 2
    assert _rows("kev") == [
        ("CVE-2024-0001", "Contoso", "Patient Monitor Gateway", "", "affected"),
        ("CVE-2024-0002", "Contoso", "Patient Monitor Gateway", "", "affected"),
    ]
    row = AffectedProduct.objects.first()
    assert row is not None and (row.vendor_key, row.product_key) == (
        "contoso",
        "patient monitor gateway",
    )
    first_pks = set(AffectedProduct.objects.values_list("pk", flat=True))
    again = import_kev(kev_catalog(kev_record("CVE-2024-0001"), kev_record("CVE-2024-0002")))
    assert again.products == 0
    assert set(AffectedProduct.objects.values_list("pk", flat=True)) == first_pks
    renamed = import_kev(
        kev_catalog(kev_record("CVE-2024-0001", product="Gateway Pro"), kev_record("CVE-2024-0002"))
    )
    assert renamed.products == 1
    assert _rows("kev")[0][2] == "Gateway Pro"
    assert AffectedProduct.objects.count() == 2


def test_kev_rows_do_not_touch_csaf_rows() -> None:
    import_csaf(csaf_document(cve="CVE-2024-0001"))
    import_kev(kev_catalog(kev_record("CVE-2024-0001")))
    import_kev(kev_catalog(kev_record("CVE-2024-0001", vendorProject="Contoso Inc.")))
    assert AffectedProduct.objects.filter(source="csaf").count() == 2
    assert AffectedProduct.objects.filter(source="kev").count() == 1


def test_cve_record_affected_list() -> None:
    result = import_cve_records([("x", cve_sample("CVE-2024-21762"))])
    assert result.products == 1
    assert _rows("cve") == [
        ("CVE-2024-21762", "Fortinet", "FortiOS", ">= 7.4.0 | <= 7.4.2", "affected")
    ]
    with CaptureQueriesContext(connection) as queries:
        again = import_cve_records([("x", cve_sample("CVE-2024-21762"))])
    assert again.products == 0 and again.unchanged == 1
    assert not [
        q for q in queries.captured_queries if q["sql"].startswith(("INSERT", "DELETE", "UPDATE"))
    ]


def _with_affected(affected: list[Any]) -> dict[str, Any]:
    record = copy.deepcopy(cve_sample("CVE-2024-21762"))
    record["containers"]["cna"]["affected"] = affected
    return record


def test_changed_affected_list_replaces_the_rows() -> None:
    import_cve_records([("x", cve_sample("CVE-2024-21762"))])
    record = _with_affected(
        [
            {
                "vendor": "Fortinet",
                "product": "FortiOS",
                "cpes": ["cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*"],
                "versions": [
                    {"version": "7.4.0", "lessThan": "7.4.3", "status": "affected"},
                    {"version": "7.4.3", "status": "unaffected"},
                    {"version": "abc123", "versionType": "git", "status": "affected"},
                ],
            }
        ]
    )
    record["cveMetadata"]["dateUpdated"] = "2030-01-01T00:00:00"
    result = import_cve_records([("x", record)])
    assert result.products == 2
    assert set(_rows("cve")) == {
        ("CVE-2024-21762", "Fortinet", "FortiOS", ">= 7.4.0 | < 7.4.3", "affected"),
        ("CVE-2024-21762", "Fortinet", "FortiOS", "7.4.3", "not_affected"),
    }
    assert set(AffectedProduct.objects.values_list("cpe", flat=True)) == {
        "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*"
    }


@pytest.mark.parametrize(
    ("entry", "text"),
    [
        ({"version": "1.2"}, "1.2"),
        ({"version": "0", "lessThan": "1.5"}, "< 1.5"),
        ({"version": "1.0", "lessThan": "1.5"}, ">= 1.0 | < 1.5"),
        ({"version": "*", "lessThanOrEqual": "2.0"}, "<= 2.0"),
        ({"version": "1.0", "lessThanOrEqual": "2.0"}, ">= 1.0 | <= 2.0"),
        ({"version": "3.0", "lessThan": "*"}, ">= 3.0"),
        ({"version": "*"}, ""),
        ({}, ""),
    ],
)
def test_version_text(entry: dict[str, Any], text: str) -> None:
    assert version_text(entry) == text


def test_names_placeholders_and_purls() -> None:
    record = _with_affected(
        [
            {
                "vendor": "n/a",
                "product": "n/a",
                "versions": [{"version": "1", "status": "affected"}],
            },
            {
                "vendor": "n/a",
                "product": "n/a",
                "packageName": "django",
                "collectionURL": "https://pypi.org/",
                "defaultStatus": "affected",
            },
            {
                "vendor": "acme",
                "product": "widget",
                "packageName": "widget",
                "collectionURL": "https://example.org/repo",
                "versions": [
                    {"version": "2", "status": "bogus"},
                    {"version": "3", "status": "unknown"},
                ],
            },
            "not an object",
            {"vendor": 5, "product": ["x"]},
        ]
    )
    rows = affected_products(record)
    assert rows == [
        ("affected", "", "", "", "django", "", "", "pkg:pypi/django"),
        ("investigating", "", "", "acme", "widget", "3", "", ""),
    ]
    assert affected_products({"containers": {"cna": {"affected": "nope"}}}) == []
    assert affected_products(None) == []


def test_a_rejected_record_drops_its_rows() -> None:
    import_cve_records([("x", cve_sample("CVE-2024-21762"))])
    record = copy.deepcopy(cve_sample("CVE-2024-21762"))
    record["cveMetadata"]["state"] = "REJECTED"
    record["cveMetadata"]["dateUpdated"] = "2030-01-01T00:00:00"
    record["containers"]["cna"]["rejectedReasons"] = [{"lang": "en", "value": "Duplicate."}]
    import_cve_records([("x", record)])
    assert not AffectedProduct.objects.filter(source="cve").exists()
