"""The frozen content of a revision: every field, JSON-serialisable, independent of later edits."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from siaga.advisories.snapshot import FORMAT_VERSION, snapshot, text
from siaga.advisories.tests.builders import make_advisory, publish
from siaga.attack.choices import Domain
from siaga.attack.models import Technique
from siaga.core.testing import Orgs
from siaga.sharing.choices import TLP
from siaga.vulns.models import VendorAdvisory

pytestmark = pytest.mark.django_db

CVE = {
    "cve_id": "CVE-2024-12345",
    "cvss3_vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    "cvss3_score": Decimal("9.8"),
    "cvss3_severity": "critical",
    "cvss4_vector": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
    "cvss4_score": Decimal("9.3"),
    "cvss4_severity": "critical",
}
PRODUCT = {
    "vendor": "Baxter",
    "product": "Sigma Spectrum Infusion Pump",
    "versions": "<= 8.00.01",
    "fixed_in": "8.00.02",
    "cpe": "cpe:2.3:h:baxter:sigma_spectrum:*:*:*:*:*:*:*:*",
    "purl": "",
}


def test_snapshot_holds_every_field(orgs: Orgs) -> None:
    technique = Technique.objects.create(
        attack_id="T0866",
        name="Exploitation of Remote Services",
        domain=Domain.ICS,
        stix_id="attack-pattern--0001",
        modified=datetime(2025, 1, 1, tzinfo=UTC),
    )
    source = VendorAdvisory.objects.create(
        publisher_name="CISA",
        publisher_namespace="https://www.cisa.gov/",
        tracking_id="ICSMA-24-001-01",
        title="Baxter",
        category="csaf_security_advisory",
        document={},
        sha256="0" * 64,
    )
    advisory = make_advisory(
        orgs.cert, cves=[CVE], products=[PRODUCT], tlp=TLP.GREEN, vendor_advisory=source
    )
    advisory.attack_techniques.add(technique)
    revision = publish(advisory, change_summary_en="First", change_summary_id="Pertama")
    content = revision.content

    assert content["format"] == FORMAT_VERSION
    assert content["tracking_id"] == advisory.tracking_id
    assert content["uuid"] == str(advisory.uuid)
    assert content["version"] == 1
    assert content["kind"] == "advisory"
    assert content["severity"] == "medium"
    assert content["tlp"] == "green"
    assert content["texts"]["id"]["title"] == "Kerentanan pada pompa infus"
    assert content["texts"]["en"] == {
        "title": "Vulnerability in infusion pumps",
        "summary": "Summary in English.",
        "description": "Full description.",
        "remediation": "Update the software.",
        "workarounds": "Restrict network access.",
    }
    assert content["cves"] == [
        {**CVE, "cvss3_score": 9.8, "cvss4_score": 9.3},
    ]
    assert content["products"] == [PRODUCT]
    assert content["references"] == [
        {"url": "https://example.org/advisory", "summary": "Vendor advisory"}
    ]
    assert content["attack_techniques"] == [
        {"id": "T0866", "name": "Exploitation of Remote Services"}
    ]
    assert content["issuer"] == "Test CERT"
    assert content["vendor_advisory"] == {
        "tracking_id": "ICSMA-24-001-01",
        "publisher": "CISA",
        "publisher_namespace": "https://www.cisa.gov/",
    }
    assert content["first_published_at"] == "2026-03-02T03:00:00+00:00"
    assert content["published_at"] == "2026-03-02T03:00:00+00:00"
    assert content["history"] == [
        {
            "version": 1,
            "published_at": "2026-03-02T03:00:00+00:00",
            "change_summary": {"id": "Pertama", "en": "First"},
        }
    ]
    # Stored as JSON and read back unchanged.
    revision.refresh_from_db()
    assert json.loads(json.dumps(revision.content)) == content


def test_later_revision_keeps_history_and_first_publication(orgs: Orgs) -> None:
    advisory = make_advisory(orgs.cert)
    first = publish(advisory, change_summary_en="Initial")
    advisory.title_en = "Updated title"
    advisory.save()
    second = publish(advisory, change_summary_en="Fixed version added")

    assert second.content["version"] == 2
    assert second.content["first_published_at"] == first.content["published_at"]
    assert second.content["published_at"] > first.content["published_at"]
    assert [entry["version"] for entry in second.content["history"]] == [1, 2]
    assert second.content["history"][1]["change_summary"]["en"] == "Fixed version added"
    # The first revision is frozen: the edit did not reach it.
    first.refresh_from_db()
    assert first.content["texts"]["en"]["title"] == "Vulnerability in infusion pumps"
    assert second.content["texts"]["en"]["title"] == "Updated title"


def test_no_vendor_advisory_no_rows(orgs: Orgs) -> None:
    advisory = make_advisory(orgs.cert, references=[{"url": ""}, "junk", {"url": "https://a.test"}])
    content = snapshot(advisory)
    assert content["vendor_advisory"] is None
    assert content["cves"] == []
    assert content["products"] == []
    assert content["attack_techniques"] == []
    assert content["references"] == [{"url": "https://a.test", "summary": ""}]
    assert content["version"] == 1
    json.dumps(content)


def test_text_falls_back_to_other_language() -> None:
    content: dict[str, Any] = {
        "texts": {"id": {"title": "Judul", "summary": ""}, "en": {"summary": "S"}}
    }
    assert text(content, "title", "en") == "Judul"
    assert text(content, "summary", "id") == "S"
    assert text(content, "description", "en") == ""
