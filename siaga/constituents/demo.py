"""Demo data of the registry: a described hospital with contacts, network assets and inventory.

Called by ``siaga.core.demo`` with the demo organizations by short name. Addresses come from the
documentation ranges (RFC 5737, RFC 3849) and the private AS range; e-mail uses ``.example``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from siaga.constituents.choices import (
    AssetStatus,
    ContactRole,
    Criticality,
    InventoryKind,
    Province,
)
from siaga.constituents.models import ConstituentProfile, Contact, InventoryItem, NetworkAsset

HOSPITAL = "RSUD-SS"

CONTACTS: list[dict[str, Any]] = [
    {
        "name": "Hendra Wijaya",
        "role": ContactRole.SECURITY_OFFICER,
        "email": "keamanan@rsud-ss.siaga.example",
        "phone": "+62 21 555 0101",
        "notification_kinds": ["incidents", "advisories", "alerts", "feed_digests"],
    },
    {
        "name": "Posko 24 jam RSUD-SS",
        "role": ContactRole.HOTLINE_24_7,
        "email": "posko@rsud-ss.siaga.example",
        "phone": "+62 21 555 0199",
        "notification_kinds": ["incidents", "alerts"],
    },
]
ASSETS = [
    ("ip_range", "192.0.2.0/24"),
    ("ip_range", "2001:db8:10::/48"),
    ("domain", "rsud-ss.siaga.example"),
    ("asn", "64500"),
]
INVENTORY: list[dict[str, Any]] = [
    {
        "kind": InventoryKind.INFORMATION_SYSTEM,
        "name": "SIMRS",
        "vendor": "PT SIMRS Nusantara Digital",
        "product": "SIMRS Nusantara",
        "version": "4.2",
        "criticality": Criticality.CRITICAL,
        "internet_exposed": True,
        "location": "Ruang server lantai 2",
    },
    {
        "kind": InventoryKind.INFORMATION_SYSTEM,
        "name": "PACS radiologi",
        "vendor": "Orthanc",
        "product": "Orthanc",
        "version": "1.12.1",
        "purl": "pkg:generic/orthanc@1.12.1",
        "criticality": Criticality.HIGH,
        "location": "Instalasi radiologi",
    },
    {
        "kind": InventoryKind.MEDICAL_DEVICE,
        "name": "Pompa infus ICU",
        "vendor": "B. Braun",
        "product": "Infusomat Space",
        "version": "688F",
        "cpe": "cpe:2.3:h:bbraun:infusomat_space_large_volume_pump:688f:*:*:*:*:*:*:*",
        "criticality": Criticality.HIGH,
        "location": "ICU",
    },
    {
        "kind": InventoryKind.MEDICAL_DEVICE,
        "name": "Stasiun pompa infus ICU",
        "vendor": "B. Braun Medical",
        "product": "SpaceStation with SpaceCom 2",
        "version": "L80",
        "criticality": Criticality.HIGH,
        "location": "ICU",
    },
]


@transaction.atomic
def load_constituent_demo(orgs: dict[str, Any]) -> None:
    """Create whatever of the registry's demo set is missing; existing rows are left as they are."""
    hospital = orgs.get(HOSPITAL)
    if hospital is None:
        return
    ConstituentProfile.objects.get_or_create(
        organization=hospital,
        defaults={
            "province": Province.DKI_JAKARTA,
            "city": "Jakarta Barat",
            "is_vital_infrastructure": True,
            "holds_personal_health_data": True,
            "health_records_estimate": 350_000,
        },
    )
    for spec in CONTACTS:
        Contact.objects.get_or_create(organization=hospital, name=spec["name"], defaults=spec)
    for kind, value in ASSETS:
        asset = NetworkAsset(organization=hospital, kind=kind, value=value)
        asset.clean()
        NetworkAsset.objects.get_or_create(
            organization=hospital,
            kind=asset.kind,
            value=asset.value,
            defaults={
                "status": AssetStatus.APPROVED,
                "reviewed_at": timezone.now(),
                "ip_version": asset.ip_version,
                "range_start": asset.range_start,
                "range_end": asset.range_end,
                "asn": asset.asn,
            },
        )
    for spec in INVENTORY:
        item = InventoryItem(organization=hospital, **spec)
        if not InventoryItem.objects.filter(organization=hospital, name=item.name).exists():
            item.full_clean()
            item.save()
