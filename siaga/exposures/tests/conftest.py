"""Builders of the exposure tests: inventory items, vulnerabilities and affected products."""

from __future__ import annotations

import itertools
from typing import Any

from siaga.constituents.choices import InventoryKind
from siaga.constituents.models import InventoryItem
from siaga.notifications.tests.conftest import send_inline  # noqa: F401  # fixture
from siaga.vulns.choices import ProductSource
from siaga.vulns.models import AffectedProduct, Vulnerability

_numbers = itertools.count(1000)


def make_item(organization: Any, **fields: Any) -> InventoryItem:
    values: dict[str, Any] = {"kind": InventoryKind.values[0], "name": "system"}
    values.update(fields)
    return InventoryItem.objects.create(organization=organization, **values)


def make_vulnerability(cve: str | None = None, **fields: Any) -> Vulnerability:
    cve = cve or f"CVE-2025-{next(_numbers)}"
    return Vulnerability.objects.create(cve_id=cve, **fields)


def make_product(vulnerability: Vulnerability, **fields: Any) -> AffectedProduct:
    fields.setdefault("source", ProductSource.values[0])
    return AffectedProduct.objects.create(vulnerability=vulnerability, **fields)
