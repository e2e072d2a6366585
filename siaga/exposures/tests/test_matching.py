"""Matching products against inventories: CPE, purl and name keys, then versions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from siaga.exposures.matching import match_products, organizations_running
from siaga.exposures.tests.conftest import make_item, make_product, make_vulnerability

pytestmark = pytest.mark.django_db


@dataclass
class Product:
    vendor: str = ""
    product: str = ""
    versions: str = ""
    cpe: str = ""
    purl: str = ""


def pairs(matches: list) -> set[tuple[Any, str]]:
    return {(m.item.pk, m.certainty) for m in matches}


def test_names_match_across_spelling_and_versions_decide(orgs: Any) -> None:
    inside = make_item(
        orgs.hospital,
        vendor="Philips Healthcare, Inc.",
        product="IntelliVue MX40",
        version="B.06.17",
    )
    outside = make_item(
        orgs.hospital, vendor="philips healthcare", product="intellivue mx40", version="B.06.18"
    )
    make_item(orgs.hospital, vendor="Philips", product="Other Product", version="1.0")
    product = Product(vendor="Philips Healthcare", product="IntelliVue MX40", versions="< B.06.18")
    assert pairs(match_products([product])) == {(inside.pk, "version")}
    assert outside.pk not in {m.item.pk for m in match_products([product])}


def test_cpe_match_honours_wildcards(orgs: Any) -> None:
    item = make_item(
        orgs.hospital, name="web", cpe="cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*"
    )
    exact = Product(cpe="cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*", versions="<= 2.4.50")
    wildcard = Product(cpe="cpe:2.3:a:apache:http_*:*:*:*:*:*:*:*:*")
    other = Product(cpe="cpe:2.3:a:apache:tomcat:*:*:*:*:*:*:*:*")
    assert pairs(match_products([exact])) == {(item.pk, "version")}
    assert pairs(match_products([wildcard])) == {(item.pk, "version")}
    assert match_products([other]) == []
    # The product's CPE version is its constraint when it gives no versions text.
    assert match_products([Product(cpe="cpe:2.3:a:apache:http_server:2.4.50:*:*:*:*:*:*:*")]) == []


def test_item_names_fall_back_to_its_cpe(orgs: Any) -> None:
    item = make_item(orgs.hospital, name="EHR", cpe="cpe:2.3:a:openemr:openemr:7.0.1:*:*:*:*:*:*:*")
    product = Product(vendor="OpenEMR", product="OpenEMR", versions="< 7.0.2")
    assert pairs(match_products([product])) == {(item.pk, "version")}


def test_purl_match_with_univers(orgs: Any) -> None:
    item = make_item(orgs.hospital, name="portal", purl="pkg:pypi/django@4.2.1")
    inside = Product(purl="pkg:pypi/django", versions="vers:pypi/>=4.0|<4.2.2")
    outside = Product(purl="pkg:pypi/django", versions="vers:pypi/>=4.2.2")
    assert pairs(match_products([inside])) == {(item.pk, "version")}
    assert match_products([outside]) == []


def test_unknown_certainty(orgs: Any) -> None:
    no_version = make_item(orgs.hospital, vendor="GE Healthcare", product="MAC 5500")
    odd_version = make_item(
        orgs.hospital, vendor="GE Healthcare", product="MAC 5500", version="the old one"
    )
    narrow = Product(vendor="GE Healthcare", product="MAC 5500", versions="<= 2.6A")
    free_text = Product(
        vendor="GE Healthcare",
        product="MAC 5500",
        versions="with wireless option (shipped between 2016-August 2018)",
    )
    everything = Product(vendor="GE Healthcare", product="MAC 5500", versions="vers:all/*")
    assert pairs(match_products([narrow])) == {
        (no_version.pk, "unknown"),
        (odd_version.pk, "unknown"),
    }
    assert pairs(match_products([free_text])) == {
        (no_version.pk, "unknown"),
        (odd_version.pk, "unknown"),
    }
    assert pairs(match_products([everything])) == {
        (no_version.pk, "version"),
        (odd_version.pk, "version"),
    }


def test_one_match_per_pair_even_when_several_rules_agree(orgs: Any) -> None:
    item = make_item(
        orgs.hospital,
        vendor="Apache",
        product="HTTP Server",
        version="2.4.49",
        cpe="cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*",
    )
    product = Product(
        vendor="Apache", product="HTTP Server", cpe="cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*"
    )
    assert len(match_products([product])) == 1
    assert match_products([product])[0].item.pk == item.pk


def test_inactive_and_non_constituent_organizations_are_left_out(orgs: Any) -> None:
    make_item(orgs.cert, vendor="Contoso", product="Gateway")
    orgs.other_hospital.is_active = False
    orgs.other_hospital.save()
    make_item(orgs.other_hospital, vendor="Contoso", product="Gateway")
    running = make_item(orgs.hospital, vendor="Contoso", product="Gateway")
    product = Product(vendor="Contoso", product="Gateway")
    assert pairs(match_products([product])) == {(running.pk, "version")}


def test_given_items_and_model_products(orgs: Any) -> None:
    vulnerability = make_vulnerability()
    product = make_product(
        vulnerability, vendor="Baxter", product="Sigma Spectrum", versions="<= 8.00.01"
    )
    a = make_item(orgs.hospital, vendor="Baxter Inc.", product="Sigma Spectrum", version="8.00.01")
    b = make_item(orgs.other_hospital, vendor="Baxter", product="Sigma Spectrum", version="6.0")
    c = make_item(orgs.other_hospital, vendor="Baxter", product="Sigma Spectrum", version="9")
    assert pairs(match_products([product], items=[a])) == {(a.pk, "version")}
    running = organizations_running([product])
    assert running == {orgs.hospital.pk: [a], orgs.other_hospital.pk: [b]}
    assert c not in running[orgs.other_hospital.pk]


def test_sql_narrowing_keeps_every_match(orgs: Any) -> None:
    from siaga.exposures.matching import active_inventory, candidate_q

    make_item(orgs.hospital, vendor="Other", product="Thing", version="1")
    wanted = make_item(orgs.hospital, vendor="B. Braun", product="Space-Station", version="1")
    by_cpe = make_item(orgs.hospital, name="x", cpe="cpe:2.3:h:bbraun:spacestation:1:*:*:*:*:*:*:*")
    product = Product(
        vendor="B. Braun",
        product="SpaceStation",
        cpe="cpe:2.3:h:bbraun:spacestation:*:*:*:*:*:*:*:*",
    )
    q = candidate_q([product])
    assert q is not None
    narrowed = set(active_inventory().filter(q).values_list("pk", flat=True))
    assert by_cpe.pk in narrowed and wanted.pk not in narrowed  # "space station" is not a match
    assert {m.item.pk for m in match_products([product])} == {by_cpe.pk}
    assert candidate_q([Product(cpe="cpe:2.3:a:*:*:*:*:*:*:*:*:*:*")]) is None
