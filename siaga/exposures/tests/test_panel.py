"""The exposure panel: which constituents run a vulnerability's products, seen through the user's
own scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.template.loader import render_to_string

from siaga.exposures.actions import do_match_all, exposure_panel_context
from siaga.exposures.tests.conftest import make_item, make_product, make_vulnerability

pytestmark = pytest.mark.django_db


@dataclass
class Product:
    vendor: str = ""
    product: str = ""
    versions: str = ""
    cpe: str = ""
    purl: str = ""


@pytest.fixture
def vulnerability(personas: Any) -> Any:
    vulnerability = make_vulnerability("CVE-2025-4001")
    make_product(vulnerability, vendor="Contoso", product="Infusion Pump", versions="<= 3.2")
    make_item(
        personas.orgs.hospital,
        name="Ward 3 pump",
        vendor="Contoso",
        product="Infusion Pump",
        version="3.1",
    )
    make_item(personas.orgs.hospital, name="Ward 4 pump", vendor="Contoso", product="Infusion Pump")
    make_item(
        personas.orgs.other_hospital,
        name="ICU pump",
        vendor="Contoso",
        product="Infusion Pump",
        version="3.0",
    )
    make_item(
        personas.orgs.other_hospital,
        name="New pump",
        vendor="Contoso",
        product="Infusion Pump",
        version="4.0",
    )
    return vulnerability


def test_cert_sees_every_constituent_with_finding_status(personas: Any, vulnerability: Any) -> None:
    do_match_all(notify=False)
    context = exposure_panel_context(personas.cert_analyst, vulnerability=vulnerability)
    assert context["exposure_organization_count"] == 2
    assert context["exposure_item_count"] == 3
    hospital = next(
        r for r in context["exposure_rows"] if r["organization"] == personas.orgs.hospital
    )
    certainties = {entry["item"].name: entry["certainty"] for entry in hospital["items"]}
    assert certainties == {"Ward 3 pump": "version", "Ward 4 pump": "unknown"}
    assert all(entry["finding"] is not None for entry in hospital["items"])
    html = render_to_string("exposures/_exposure_panel.html", context)
    assert (
        "Constituents running this" in html and "ICU pump" in html and "Check the version" in html
    )
    assert "New pump" not in html


def test_constituent_sees_only_itself(personas: Any, vulnerability: Any) -> None:
    context = exposure_panel_context(personas.constituent_reporter, vulnerability=vulnerability)
    assert [row["organization"] for row in context["exposure_rows"]] == [personas.orgs.hospital]
    html = render_to_string("exposures/_exposure_panel.html", context)
    assert "ICU pump" not in html and "not matched yet" in html


def test_given_products_and_outsider(personas: Any, vulnerability: Any) -> None:
    products = [Product(vendor="Contoso", product="Infusion Pump", versions=">= 4.0")]
    context = exposure_panel_context(personas.cert_analyst, products=products)
    entries = {e["item"].name: e for r in context["exposure_rows"] for e in r["items"]}
    # 4.0 is inside; the pump without a version may be; 3.0 and 3.1 are not.
    assert {name: e["certainty"] for name, e in entries.items()} == {
        "New pump": "version",
        "Ward 4 pump": "unknown",
    }
    assert all(e["finding"] is None for e in entries.values())  # no vulnerability given
    outsider = exposure_panel_context(personas.outsider, vulnerability=vulnerability)
    assert not outsider["exposure_may_view"]
    assert render_to_string("exposures/_exposure_panel.html", outsider).strip() == ""
