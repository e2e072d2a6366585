"""CSAF 2.0 export of revisions: every kind, TLP and language validates (schema and mandatory
tests), the profiles and mappings are right, and an outside validator (the ``csaf`` CLI) agrees."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siaga.advisories.choices import AdvisoryKind
from siaga.advisories.exports.csaf import csaf_document, csaf_filename, tlp_label
from siaga.advisories.exports.csaf_products import is_plain_version, version_range
from siaga.advisories.tests.builders import make_advisory, publish
from siaga.core.testing import Orgs
from siaga.csaf.validation import csaf_problems
from siaga.sharing.choices import TLP

pytestmark = pytest.mark.django_db

V3 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
V4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
CVE = {
    "cve_id": "CVE-2024-12345",
    "cvss3_vector": V3,
    "cvss3_score": Decimal("9.8"),
    "cvss3_severity": "critical",
    "cvss4_vector": V4,
    "cvss4_score": Decimal("9.3"),
    "cvss4_severity": "critical",
}
PRODUCTS = [
    {
        "vendor": "Baxter",
        "product": "Sigma Spectrum",
        "versions": "<= 8.00.01",
        "fixed_in": "8.00.02",
        "cpe": "cpe:2.3:h:baxter:sigma_spectrum:*:*:*:*:*:*:*:*",
    },
    {
        "vendor": "Baxter",
        "product": "Spectrum IQ",
        "versions": "9.1.0",
        "purl": "pkg:generic/iq@9.1.0",
    },
    {"vendor": "Contoso", "product": "Monitor", "versions": "2.3.6 and below"},
    {
        "vendor": "Contoso",
        "product": "Gateway",
        "versions": "vers:generic/>=1.0|<1.5",
        "fixed_in": "1.5",
    },
    {"vendor": "Contoso", "product": "Viewer", "versions": ""},
]


def _valid(document: dict[str, Any]) -> None:
    problems = csaf_problems(document)
    assert problems == [], "\n".join(str(problem) for problem in problems)


@pytest.mark.parametrize("kind", list(AdvisoryKind))
@pytest.mark.parametrize("tlp", list(TLP))
@pytest.mark.parametrize("language", ["id", "en"])
def test_every_kind_tlp_and_language_is_valid(
    orgs: Orgs, kind: str, tlp: str, language: str
) -> None:
    advisory = make_advisory(orgs.cert, kind=kind, tlp=tlp, cves=[CVE], products=PRODUCTS)
    document = csaf_document(publish(advisory), language)
    _valid(document)
    meta = document["document"]
    assert meta["distribution"]["tlp"]["label"] == tlp_label(tlp)
    assert meta["lang"] == language
    security = kind in (AdvisoryKind.ALERT, AdvisoryKind.ADVISORY)
    assert meta["category"] == (
        "csaf_security_advisory" if security else "csaf_informational_advisory"
    )
    assert ("vulnerabilities" in document) is security


@pytest.mark.parametrize(
    ("cves", "products"),
    [([], []), ([CVE], []), ([], PRODUCTS), ([CVE], PRODUCTS[:1]), ([CVE], PRODUCTS[4:])],
    ids=["nothing", "cves-only", "products-only", "one-fixed", "no-fixed"],
)
@pytest.mark.parametrize("language", ["id", "en"])
def test_with_and_without_products_and_cves(
    orgs: Orgs, cves: list[Any], products: list[Any], language: str
) -> None:
    advisory = make_advisory(orgs.cert, kind=AdvisoryKind.ALERT, cves=cves, products=products)
    document = csaf_document(publish(advisory), language)
    _valid(document)
    expected = "csaf_security_advisory" if cves and products else "csaf_informational_advisory"
    assert document["document"]["category"] == expected


def test_empty_texts_and_no_references_still_valid(orgs: Orgs) -> None:
    blank = {
        f"{name}_{lang}": ""
        for name in ("summary", "description", "remediation", "workarounds")
        for lang in ("id", "en")
    }
    for kind in (AdvisoryKind.ANNOUNCEMENT, AdvisoryKind.ADVISORY):
        advisory = make_advisory(
            orgs.cert,
            kind=kind,
            references=[],
            title_en="",
            cves=[CVE],
            products=PRODUCTS[:1],
            **blank,
        )
        for language in ("id", "en"):
            _valid(csaf_document(publish(advisory), language))


def test_security_advisory_mapping(orgs: Orgs) -> None:
    advisory = make_advisory(orgs.cert, tlp=TLP.AMBER_STRICT, cves=[CVE], products=PRODUCTS)
    document = csaf_document(publish(advisory), "en")
    meta = document["document"]
    assert meta["csaf_version"] == "2.0"
    assert meta["source_lang"] == "id"
    assert meta["publisher"]["category"] == "coordinator"
    assert meta["distribution"]["tlp"] == {"label": "AMBER", "url": "https://www.first.org/tlp/"}
    assert "AMBER+STRICT" in meta["distribution"]["text"]
    assert meta["title"] == "Vulnerability in infusion pumps"
    assert meta["tracking"]["status"] == "final"
    assert meta["tracking"]["version"] == "1"
    assert meta["tracking"]["generator"]["engine"]["name"] == "Siaga"
    # Not public: no self link to a public page.
    assert all(ref["category"] == "external" for ref in meta["references"])

    vendors = {branch["name"]: branch for branch in document["product_tree"]["branches"]}
    assert set(vendors) == {"Baxter", "Contoso"}
    sigma = vendors["Baxter"]["branches"][0]
    assert sigma["name"] == "Sigma Spectrum"
    assert [(b["category"], b["name"]) for b in sigma["branches"]] == [
        ("product_version_range", "<= 8.00.01"),
        ("product_version", "8.00.02"),
    ]
    assert sigma["branches"][0]["product"]["product_identification_helper"] == {
        "cpe": "cpe:2.3:h:baxter:sigma_spectrum:*:*:*:*:*:*:*:*"
    }
    contoso = {b["name"]: b["branches"] for b in vendors["Contoso"]["branches"]}
    assert contoso["Monitor"][0]["name"] == "<= 2.3.6"
    assert contoso["Gateway"][0]["name"] == "vers:generic/>=1.0|<1.5"
    assert contoso["Viewer"][0]["name"] == "vers:all/*"

    (vulnerability,) = document["vulnerabilities"]
    assert vulnerability["cve"] == "CVE-2024-12345"
    status = vulnerability["product_status"]
    assert len(status["known_affected"]) == 5
    assert len(status["fixed"]) == 2
    assert not set(status["known_affected"]) & set(status["fixed"])
    (score,) = vulnerability["scores"]
    assert score["cvss_v3"] == {
        "version": "3.1",
        "vectorString": V3,
        "baseScore": 9.8,
        "baseSeverity": "CRITICAL",
    }
    assert any(
        note["title"] == "CVSS v4.0" and V4 in note["text"] for note in vulnerability["notes"]
    )
    categories = [r["category"] for r in vulnerability["remediations"]]
    assert categories == ["vendor_fix", "mitigation", "workaround"]
    assert vulnerability["threats"][0]["category"] == "impact"


def test_indonesian_document_has_no_source_lang_and_indonesian_texts(orgs: Orgs) -> None:
    advisory = make_advisory(orgs.cert, cves=[CVE], products=PRODUCTS[:1])
    document = csaf_document(publish(advisory), "id")
    assert "source_lang" not in document["document"]
    assert document["document"]["title"] == "Kerentanan pada pompa infus"
    notes = {note["category"]: note["text"] for note in document["document"]["notes"]}
    assert notes["summary"] == "Ringkasan dalam Bahasa Indonesia."


def test_public_advisory_links_to_its_page(orgs: Orgs) -> None:
    advisory = make_advisory(orgs.cert, tlp=TLP.CLEAR)
    document = csaf_document(publish(advisory), "en")
    (self_ref,) = [r for r in document["document"]["references"] if r["category"] == "self"]
    assert self_ref["url"].endswith(f"/public/advisories/{advisory.tracking_id}/?lang=en")


def test_revision_history_lists_every_published_revision(orgs: Orgs) -> None:
    advisory = make_advisory(orgs.cert, cves=[CVE], products=PRODUCTS[:2])
    publish(advisory, change_summary_en="First release")
    advisory.title_en = "Second title"
    advisory.save()
    publish(advisory)
    third = publish(advisory, change_summary_id="Versi ketiga")
    document = csaf_document(third, "en")
    _valid(document)
    tracking = document["document"]["tracking"]
    assert tracking["version"] == "3"
    assert [entry["number"] for entry in tracking["revision_history"]] == ["1", "2", "3"]
    assert tracking["revision_history"][0]["summary"] == "First release"
    assert tracking["revision_history"][1]["summary"] == "Updated."
    # Falls back to the other language's summary.
    assert tracking["revision_history"][2]["summary"] == "Versi ketiga"
    assert tracking["initial_release_date"] < tracking["current_release_date"]


def test_invalid_identifiers_and_vectors_are_left_out(orgs: Orgs) -> None:
    advisory = make_advisory(
        orgs.cert,
        cves=[{"cve_id": "CVE-2024-0001", "cvss3_vector": "CVSS:3.1/AV:X", "cvss4_vector": ""}],
        products=[
            {"vendor": "V", "product": "P", "versions": "1.0", "cpe": "cpe:bogus", "purl": "pkg:/x"}
        ],
    )
    document = csaf_document(publish(advisory), "en")
    _valid(document)
    (vulnerability,) = document["vulnerabilities"]
    assert "scores" not in vulnerability
    branch = document["product_tree"]["branches"][0]["branches"][0]["branches"][0]
    assert "product_identification_helper" not in branch["product"]


def test_version_helpers() -> None:
    assert is_plain_version("8.00.01")
    assert is_plain_version("2.6A")
    assert not is_plain_version("12.x")
    assert not is_plain_version("<= 2")
    assert not is_plain_version("1.0 and later")
    assert version_range("") == "vers:all/*"
    assert version_range("All versions") == "vers:all/*"
    assert version_range("2.3.6 and prior") == "<= 2.3.6"
    assert version_range("4.0 and later") == ">= 4.0"
    assert version_range(">= 1.0 | < 1.5") == ">= 1.0 | < 1.5"
    assert csaf_filename("SIAGA-ADV-2026-0001") == "siaga-adv-2026-0001.json"
    assert csaf_filename("ICSMA 17/009.01a") == "icsma_17_009_01a.json"


def test_unknown_language_is_refused(orgs: Orgs) -> None:
    revision = publish(make_advisory(orgs.cert))
    with pytest.raises(ValueError, match="Unknown language"):
        csaf_document(revision, "fr")


_TEXT = st.text(min_size=0, max_size=80)
_VERSION = st.one_of(
    st.text(min_size=0, max_size=30),
    st.from_regex(r"[0-9]{1,3}(\.[0-9A-Za-z]{1,3}){0,3}", fullmatch=True),
    st.sampled_from(
        ["<= 2.6A", "12.x", "all versions", "vers:npm/>=1.0.0|<2.0.0", "1.0, 1.1", "< ", "*"]
    ),
)
_PRODUCT = st.fixed_dictionaries(
    {
        "vendor": st.text(min_size=0, max_size=40),
        "product": st.text(min_size=0, max_size=40),
        "versions": _VERSION,
        "fixed_in": st.one_of(st.just(""), _VERSION),
    }
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kind=st.sampled_from(list(AdvisoryKind)),
    tlp=st.sampled_from(list(TLP)),
    title=_TEXT,
    summary=_TEXT,
    remediation=_TEXT,
    products=st.lists(_PRODUCT, max_size=4),
    with_cve=st.booleans(),
)
def test_generated_advisories_are_valid(
    orgs: Orgs,
    kind: str,
    tlp: str,
    title: str,
    summary: str,
    remediation: str,
    products: list[dict[str, str]],
    with_cve: bool,
) -> None:
    clean = lambda value: value.replace("\x00", "")  # noqa: E731 - databases refuse NUL
    products = [{key: clean(value) for key, value in product.items()} for product in products]
    advisory = make_advisory(
        orgs.cert,
        kind=kind,
        tlp=tlp,
        title_en=clean(title)[:300],
        summary_id=clean(summary),
        remediation_en=clean(remediation),
        cves=[CVE] if with_cve else [],
        products=[
            {
                **p,
                "vendor": p["vendor"][:255],
                "product": p["product"][:500],
                "fixed_in": p["fixed_in"][:100],
            }
            for p in products
        ],
    )
    revision = publish(advisory)
    for language in ("id", "en"):
        _valid(csaf_document(revision, language))


def test_outside_validator_accepts_the_export(orgs: Orgs, tmp_path: Path) -> None:
    """The ``csaf`` command line, run as an outside validator would run it."""
    cli = Path(sys.executable).with_name("csaf")
    if not cli.exists():
        pytest.skip("the csaf command line is not installed next to this interpreter")
    files = []
    for kind in (AdvisoryKind.ADVISORY, AdvisoryKind.ANNOUNCEMENT):
        revision = publish(make_advisory(orgs.cert, kind=kind, cves=[CVE], products=PRODUCTS))
        for language in ("id", "en"):
            path = tmp_path / f"{kind}-{language}-{csaf_filename(revision.advisory.tracking_id)}"
            path.write_text(json.dumps(csaf_document(revision, language), ensure_ascii=False))
            files.append(str(path))
    result = subprocess.run(
        [str(cli), "validate", "--spec-version", "v20", "--no-network", "--quiet", *files],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
