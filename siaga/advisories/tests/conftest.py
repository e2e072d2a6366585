"""Fixtures of the advisory tests: constituents with profiles, contacts and inventories, and an
advisory written, submitted and published by the CERT's personas."""

from __future__ import annotations

from typing import Any

import pytest

from siaga.advisories import actions
from siaga.advisories.models import Advisory
from siaga.constituents.models import ConstituentProfile, Contact, InventoryItem
from siaga.core.testing import Personas
from siaga.notifications.tests.conftest import receiver, send_inline  # noqa: F401  # fixtures
from siaga.organizations.choices import ConstituentType, OrganizationKind
from siaga.organizations.models import Organization

V3 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
V4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"


def make_contact(organization: Any, language: str = "id", **extra: Any) -> Contact:
    return Contact.objects.create(
        organization=organization,
        name=extra.pop("name", "Budi Santoso"),
        role=extra.pop("role", "security_officer"),
        email=extra.pop("email", f"security-{language}@{organization.pk}.test"),
        language=language,
        notification_kinds=extra.pop("notification_kinds", ["advisories"]),
        **extra,
    )


def make_item(organization: Any, vendor: str, product: str, version: str, **extra: Any):
    return InventoryItem.objects.create(
        organization=organization,
        kind=extra.pop("kind", "medical_device"),
        name=extra.pop("name", f"{product} ward 3"),
        vendor=vendor,
        product=product,
        version=version,
        **extra,
    )


def make_constituent(name: str, kind: str = ConstituentType.HOSPITAL, **profile: Any):
    organization = Organization.objects.create(
        name=name, kind=OrganizationKind.CONSTITUENT, constituent_type=kind
    )
    ConstituentProfile.objects.create(organization=organization, **profile)
    return organization


def advisory_data(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "advisory",
        "severity": "high",
        "tlp": "clear",
        "title_id": "Kerentanan pada monitor pasien Contoso",
        "title_en": "Vulnerability in Contoso patient monitors",
        "summary_id": "Perbarui firmware monitor pasien.",
        "summary_en": "Update the patient monitors' firmware.",
        "remediation_id": "Pasang versi 2.4.",
        "remediation_en": "Install version 2.4.",
        "cves": [{"cve_id": "CVE-2026-1234", "cvss3_vector": V3}],
        "products": [
            {
                "vendor": "Contoso",
                "product": "Patient Monitor",
                "versions": "<2.4",
                "fixed_in": "2.4",
            }
        ],
        "references": [{"url": "https://contoso.example/psirt/2026-01", "summary": "Vendor"}],
    }
    data.update(extra)
    return data


def publish(personas: Personas, advisory: Advisory, **summaries: str) -> Advisory:
    """Submitted by the analyst who wrote it, approved by the lead."""
    actions.check_submit(personas.cert_analyst, advisory)
    return actions.check_approve(personas.cert_lead, advisory, **summaries)


@pytest.fixture
def draft(personas: Personas) -> Advisory:
    return actions.check_create_advisory(personas.cert_analyst, advisory_data())
