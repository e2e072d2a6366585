"""Pages and API of vulnerability intelligence: lists with filters, details with affected products
by source, vendor advisories (CERT only), the CSAF download, and the import page and endpoint."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from siaga.audit.models import AuditEntry
from siaga.core.testing import api_client_for, login
from siaga.vulns.importers.csaf import import_csaf, import_csaf_files
from siaga.vulns.importers.kev import import_kev
from siaga.vulns.models import AffectedProduct, VendorAdvisory, Vulnerability
from siaga.vulns.tests.conftest import (
    CSAF_DIR,
    csaf_document,
    kev_catalog,
    kev_record,
    needs_icsma,
)
from siaga.vulns.views import exposure_panel_available

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(personas: Any) -> dict[str, Any]:
    import_kev(kev_catalog(kev_record("CVE-2025-10001"), kev_record("CVE-2024-0002")))
    import_csaf(csaf_document(), user=personas.cert_analyst)
    Vulnerability.objects.filter(cve_id="CVE-2024-0002").update(
        epss_score=0.5, cvss3_severity="low", title="Quiet gateway bug"
    )
    Vulnerability.objects.create(cve_id="CVE-2023-4242", title="Not in KEV", epss_score=0.01)
    return {"advisory": VendorAdvisory.objects.get()}


def test_list_search_and_filters(client: Any, personas: Any, data: dict[str, Any]) -> None:
    login(client, personas.constituent_reporter)
    page = client.get("/vulnerabilities/")
    assert page.status_code == 200
    assert all(cve in page.text for cve in ("CVE-2025-10001", "CVE-2024-0002", "CVE-2023-4242"))
    page = client.get("/vulnerabilities/?in_kev=true")
    assert "CVE-2023-4242" not in page.text and "CVE-2024-0002" in page.text
    page = client.get("/vulnerabilities/?epss_min=0.2")
    assert "CVE-2024-0002" in page.text and "CVE-2023-4242" not in page.text
    page = client.get("/vulnerabilities/?severity=critical")
    assert "CVE-2025-10001" in page.text and "CVE-2024-0002" not in page.text
    page = client.get("/vulnerabilities/?q=quiet")
    assert "CVE-2024-0002" in page.text and "CVE-2025-10001" not in page.text
    page = client.get("/vulnerabilities/?q=cve-2023")
    assert "CVE-2023-4242" in page.text and "CVE-2024-0002" not in page.text
    # a bad filter value is shown as a form error, not a 500
    assert client.get("/vulnerabilities/?epss_min=7").status_code == 200
    # a constituent has no vendor-advisory or import links
    assert "/vulnerabilities/import/" not in page.text


def test_detail_groups_products_by_source(client: Any, personas: Any, data: dict[str, Any]) -> None:
    login(client, personas.cert_analyst)
    page = client.get("/vulnerabilities/CVE-2025-10001/")
    assert page.status_code == 200
    text = page.text
    assert "From the CISA KEV catalog" in text and "From vendor CSAF advisories" in text
    assert "vers:generic/&lt;2.7" in text
    assert f"/vulnerabilities/vendor-advisories/{data['advisory'].pk}/" in text
    assert client.get("/vulnerabilities/cve-2025-10001/").status_code == 200
    assert client.get("/vulnerabilities/CVE-2099-0000/").status_code == 404
    # a constituent sees the products but not a link to the CERT's vendor advisory
    login(client, personas.constituent_reporter)
    text = client.get("/vulnerabilities/CVE-2025-10001/").text
    assert "CONTOSO-2025-001" in text
    assert f"/vulnerabilities/vendor-advisories/{data['advisory'].pk}/" not in text


def test_the_exposure_panel_is_included_only_when_it_exists(
    client: Any, personas: Any, data: dict[str, Any], tmp_path: Any, settings: Any
) -> None:
    login(client, personas.cert_analyst)
    folder = tmp_path / "exposures"
    folder.mkdir()
    (folder / "_exposure_panel.html").write_text(
        "<p>PANEL {{ vulnerability.cve_id }}{{ vendor_advisory.tracking_id }}</p>"
    )
    templates = [dict(settings.TEMPLATES[0])]
    templates[0]["DIRS"] = [*templates[0].get("DIRS", []), str(tmp_path)]
    with override_settings(TEMPLATES=templates):
        assert exposure_panel_available()
        assert "PANEL CVE-2025-10001" in client.get("/vulnerabilities/CVE-2025-10001/").text
        page = client.get(f"/vulnerabilities/vendor-advisories/{data['advisory'].pk}/")
        assert "PANEL CONTOSO-2025-001" in page.text


def test_vendor_advisories_are_the_certs(client: Any, personas: Any, data: dict[str, Any]) -> None:
    advisory = data["advisory"]
    login(client, personas.constituent_admin)
    assert client.get("/vulnerabilities/vendor-advisories/").status_code == 403
    assert client.get(f"/vulnerabilities/vendor-advisories/{advisory.pk}/").status_code == 404
    login(client, personas.auditor)
    page = client.get("/vulnerabilities/vendor-advisories/?q=pump")
    assert page.status_code == 200 and "CONTOSO-2025-001" in page.text
    detail = client.get(f"/vulnerabilities/vendor-advisories/{advisory.pk}/")
    assert detail.status_code == 200
    assert "Update the gateway to 2.7." in detail.text
    assert "passes the CSAF 2.0 schema and mandatory tests" in detail.text
    download = client.get(f"/vulnerabilities/vendor-advisories/{advisory.pk}/csaf/")
    assert download["Content-Type"].startswith("application/json")
    assert "contoso-2025-001.json" in download["Content-Disposition"]
    assert json.loads(download.content) == advisory.document


def test_warnings_are_computed_on_view(client: Any, personas: Any) -> None:
    import_csaf(csaf_document(product_status={"known_affected": ["CSAFPID-0001", "NOPE"]}))
    advisory = VendorAdvisory.objects.get()
    login(client, personas.cert_analyst)
    page = client.get(f"/vulnerabilities/vendor-advisories/{advisory.pk}/")
    assert (
        "6.1.1" in page.text and "/vulnerabilities/0/product_status/known_affected/1" in page.text
    )


def test_a_red_advisory_view_is_audited(client: Any, personas: Any) -> None:
    import_csaf(csaf_document(tlp="RED"))
    advisory = VendorAdvisory.objects.get()
    login(client, personas.cert_analyst)
    before = AuditEntry.objects.filter(action="view").count()
    client.get(f"/vulnerabilities/vendor-advisories/{advisory.pk}/")
    client.get(f"/vulnerabilities/vendor-advisories/{advisory.pk}/csaf/")
    assert AuditEntry.objects.filter(action="view").count() == before + 2


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/json")


def test_import_page(client: Any, personas: Any) -> None:
    login(client, personas.constituent_admin)
    assert client.get("/vulnerabilities/import/").status_code == 403
    login(client, personas.cert_analyst)
    assert client.get("/vulnerabilities/import/").status_code == 200
    bad = csaf_document(tracking_id="BAD-1")
    del bad["document"]["title"]
    page = client.post(
        "/vulnerabilities/import/",
        {
            "kind": "csaf",
            "file": [
                _upload("good.json", json.dumps(csaf_document()).encode()),
                _upload("bad.json", json.dumps(bad).encode()),
            ],
        },
    )
    assert page.status_code == 200
    assert page.context["summary"]["created"] == 1 and page.context["summary"]["skipped"] == 1
    assert "bad.json: /document: " in page.text
    assert VendorAdvisory.objects.get().imported_by == personas.cert_analyst
    entry = AuditEntry.objects.filter(object_type="vulns.import").get()
    assert entry.changes["created"] == 1 and entry.actor_id == personas.cert_analyst.pk
    # wrong type of file for the kind
    page = client.post(
        "/vulnerabilities/import/", {"kind": "kev", "file": [_upload("kev.csv", b"x")]}
    )
    assert "a KEV import takes .json files" in page.text
    # a refused KEV catalog
    page = client.post(
        "/vulnerabilities/import/", {"kind": "kev", "file": [_upload("kev.json", b"[]")]}
    )
    assert "nothing was stored" in page.text


@override_settings(SIAGA_VULN_IMPORT_MAX_MB=1)
def test_import_page_size_limit(client: Any, personas: Any) -> None:
    login(client, personas.cert_analyst)
    page = client.post(
        "/vulnerabilities/import/",
        {"kind": "csaf", "file": [_upload("big.json", b" " * (1024 * 1024 + 1))]},
    )
    assert "big.json is larger than 1 MB" in page.text
    assert not VendorAdvisory.objects.exists()


def test_api_lists_and_details(personas: Any, data: dict[str, Any]) -> None:
    api = api_client_for(personas.constituent_reporter)
    body = api.get("/api/v1/vulnerabilities?in_kev=true&limit=10").json()
    assert body["count"] == 2
    assert {row["cve_id"] for row in body["results"]} == {"CVE-2025-10001", "CVE-2024-0002"}
    assert api.get("/api/v1/vulnerabilities?severity=critical").json()["count"] == 1
    assert api.get("/api/v1/vulnerabilities?epss_min=2").status_code == 422
    assert api.get("/api/v1/vulnerabilities?severity=awful").status_code == 422
    detail = api.get("/api/v1/vulnerabilities/CVE-2025-10001").json()
    assert detail["cvss3_score"] in ("9.8", 9.8)
    assert {row["source"] for row in detail["affected_products"]} == {"kev", "csaf"}
    assert detail["vendor_advisory_ids"] == []  # not the constituent's to see
    assert api.get("/api/v1/vulnerabilities/CVE-2099-0001").status_code == 404
    assert api.get("/api/v1/vulnerabilities/nonsense").status_code == 422
    assert api.get("/api/v1/vendor-advisories").status_code == 403
    cert = api_client_for(personas.cert_analyst)
    advisory = data["advisory"]
    assert cert.get("/api/v1/vulnerabilities/CVE-2025-10001").json()["vendor_advisory_ids"] == [
        advisory.pk
    ]
    listed = cert.get("/api/v1/vendor-advisories").json()
    assert listed["results"][0]["tracking_id"] == "CONTOSO-2025-001"
    one = cert.get(f"/api/v1/vendor-advisories/{advisory.pk}").json()
    assert one["cves"] == ["CVE-2025-10001"]
    assert {row["status"] for row in one["affected_products"]} == {"affected", "fixed"}
    assert one["affected_products"][0]["cve_id"] == "CVE-2025-10001"
    assert one["remediations"][0]["products"] == ["Contoso Pump Gateway < 2.7"]
    assert one["warnings"] == []
    assert cert.get(f"/api/v1/vendor-advisories/{advisory.pk}/csaf").json() == advisory.document
    assert cert.get("/api/v1/vendor-advisories/999999").status_code == 404


def test_api_import(personas: Any) -> None:
    api = api_client_for(personas.cert_analyst)
    answer = api.post(
        "/api/v1/vulnerabilities/import",
        {"kind": "csaf", "file": _upload("a.json", json.dumps(csaf_document()).encode())},
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["created"], body["new_vulnerabilities"], body["products"]) == (1, 1, 2)
    assert body["problems"] == [] and body["errors"] == []
    again = api.post(
        "/api/v1/vulnerabilities/import",
        {"kind": "csaf", "file": _upload("a.json", json.dumps(csaf_document()).encode())},
    ).json()
    assert again["unchanged"] == 1
    kev = api.post(
        "/api/v1/vulnerabilities/import",
        {"kind": "kev", "file": _upload("kev.json", b"{}")},
    ).json()
    assert kev["errors"] and kev["created"] == 0
    assert (
        api.post("/api/v1/vulnerabilities/import", {"kind": "nvd"}).status_code == 400
        or api.post("/api/v1/vulnerabilities/import", {"kind": "nvd"}).status_code == 422
    )
    assert (
        api.post(
            "/api/v1/vulnerabilities/import", {"kind": "csaf"}, content_type="application/json"
        ).status_code
        == 415
    )
    reporter = api_client_for(personas.constituent_admin)
    assert (
        reporter.post(
            "/api/v1/vulnerabilities/import",
            {"kind": "csaf", "file": _upload("a.json", b"{}")},
        ).status_code
        == 403
    )
    assert AffectedProduct.objects.count() == 2


@override_settings(SIAGA_VULN_IMPORT_MAX_MB=1)
def test_size_limits_count_all_files(client: Any, personas: Any) -> None:
    half = b" " * (700 * 1024)
    login(client, personas.cert_analyst)
    page = client.post(
        "/vulnerabilities/import/",
        {"kind": "csaf", "file": [_upload("a.json", half), _upload("b.json", half)]},
    )
    assert "The files together are larger than 1 MB." in page.text
    api = api_client_for(personas.cert_analyst)
    answer = api.post(
        "/api/v1/vulnerabilities/import",
        {"kind": "csaf", "file": [_upload("a.json", half), _upload("b.json", half)]},
    )
    assert answer.status_code == 413
    assert answer["Content-Type"].startswith("application/problem+json")


def test_remediation_links_are_web_links_only(client: Any, personas: Any) -> None:
    document = csaf_document(
        remediations=[
            {
                "category": "vendor_fix",
                "details": "Click.",
                "product_ids": ["CSAFPID-0001"],
                "url": "javascript:alert(1)",
            }
        ]
    )
    import_csaf(document)
    login(client, personas.cert_analyst)
    advisory = VendorAdvisory.objects.get()
    page = client.get(f"/vulnerabilities/vendor-advisories/{advisory.pk}/")
    assert page.status_code == 200
    assert "javascript:alert" not in page.text


@needs_icsma
def test_every_icsma_advisory_page_renders(client: Any, personas: Any) -> None:
    import_csaf_files([CSAF_DIR])
    login(client, personas.cert_analyst)
    for advisory in VendorAdvisory.objects.all():
        page = client.get(f"/vulnerabilities/vendor-advisories/{advisory.pk}/")
        assert page.status_code == 200, advisory.tracking_id
        assert advisory.tracking_id in page.text
    for cve_id in Vulnerability.objects.values_list("cve_id", flat=True)[:40]:
        assert client.get(f"/vulnerabilities/{cve_id}/").status_code == 200
    assert client.get("/vulnerabilities/vendor-advisories/?page=2").status_code == 200
    listed = api_client_for(personas.cert_analyst).get("/api/v1/vendor-advisories?limit=100")
    assert listed.json()["count"] == VendorAdvisory.objects.count()


def test_the_exposure_panel_names_constituents_running_the_product(
    client: Any, personas: Any
) -> None:
    from siaga.constituents.choices import InventoryKind
    from siaga.constituents.models import InventoryItem

    import_csaf(csaf_document())
    InventoryItem.objects.create(
        organization=personas.orgs.hospital,
        kind=InventoryKind.values[0],
        name="Ward 3 pump gateway",
        vendor="Contoso Medical",
        product="Pump Gateway",
        version="2.5",
    )
    if not exposure_panel_available():
        pytest.skip("the exposures app's panel is not here")
    login(client, personas.cert_analyst)
    page = client.get("/vulnerabilities/CVE-2025-10001/")
    assert "Constituents running this" in page.text and "Ward 3 pump gateway" in page.text
    advisory = VendorAdvisory.objects.get()
    page = client.get(f"/vulnerabilities/vendor-advisories/{advisory.pk}/")
    assert "Ward 3 pump gateway" in page.text
    login(client, personas.other_reporter)
    page = client.get("/vulnerabilities/CVE-2025-10001/")
    assert page.status_code == 200 and "Ward 3 pump gateway" not in page.text
