"""Writing an advisory's working copy: both languages, CVEs scored by the cvss library, products,
references, ATT&CK, links the author may see, tracking ids, and drafts from vendor CSAF."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siaga.advisories import actions
from siaga.advisories.choices import AdvisoryStatus
from siaga.advisories.tests.conftest import V3, V4, advisory_data
from siaga.attack.models import Technique
from siaga.audit.models import AuditEntry
from siaga.incidents.actions import check_create_incident
from siaga.vulns.models import AffectedProduct, VendorAdvisory, Vulnerability

pytestmark = pytest.mark.django_db
_numbers = itertools.count(1)


def test_tracking_ids_count_up_per_year(personas):
    first = actions.check_create_advisory(personas.cert_analyst, advisory_data())
    second = actions.check_create_advisory(personas.cert_analyst, advisory_data())
    year = datetime.now(UTC).year
    assert first.tracking_id == f"SIAGA-ADV-{year}-0001" or first.tracking_id.endswith("-0001")
    assert second.tracking_id.endswith("-0002")
    assert first.status == AdvisoryStatus.DRAFT and first.version == 0
    assert first.organization == personas.orgs.cert
    assert first.created_by == personas.cert_analyst


def test_cves_are_scored_and_linked(personas):
    Vulnerability.objects.create(cve_id="CVE-2026-1234", title="Known")
    data = advisory_data(
        cves=[
            {"cve_id": "cve-2026-1234", "cvss3_vector": V3, "cvss4_vector": V4},
            {"cve_id": "CVE-2026-9999"},
        ]
    )
    advisory = actions.check_create_advisory(personas.cert_analyst, data)
    first, second = advisory.cves.order_by("cve_id")
    assert first.cve_id == "CVE-2026-1234"
    assert first.cvss3_score == Decimal("9.8") and first.cvss3_severity == "critical"
    assert first.cvss4_score == Decimal("9.3")
    assert first.vulnerability is not None
    assert second.vulnerability is None and second.cvss3_score is None


@pytest.mark.parametrize(
    ("cves", "message"),
    [
        ([{"cve_id": "CVE-2026-1", "cvss3_vector": "CVSS:3.1/AV:X"}], "bad CVSS vector"),
        ([{"cve_id": "CVE-2026-1234", "cvss3_vector": "CVSS:3.0/AV:N"}], "v3.1"),
        ([{"cve_id": "not a cve"}], "not a cve"),
        ([{"cve_id": "CVE-2026-1234"}, {"cve_id": "CVE-2026-1234"}], "twice"),
        (["CVE-2026-1234"], "not an object"),
    ],
)
def test_bad_cves_are_refused_with_a_reason(personas, cves, message):
    with pytest.raises(ValidationError) as caught:
        actions.check_create_advisory(personas.cert_analyst, advisory_data(cves=cves))
    assert "cves" in caught.value.message_dict
    assert message.lower() in " ".join(caught.value.message_dict["cves"]).lower()


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://example.test/x", "not a url", "http://", "x" * 3000]
)
def test_references_must_be_web_addresses(personas, url):
    with pytest.raises(ValidationError) as caught:
        actions.check_create_advisory(
            personas.cert_analyst, advisory_data(references=[{"url": url}])
        )
    assert "references" in caught.value.message_dict


def test_tlp_red_is_refused_with_an_explanation(personas):
    with pytest.raises(ValidationError) as caught:
        actions.check_create_advisory(personas.cert_analyst, advisory_data(tlp="red"))
    assert "AMBER+STRICT" in caught.value.message_dict["tlp"][0]


def test_amber_with_broad_targets_is_refused(personas):
    with pytest.raises(ValidationError) as caught:
        actions.check_create_advisory(
            personas.cert_analyst, advisory_data(tlp="amber", target_all=True)
        )
    assert "name" in caught.value.message_dict["tlp"][0]


def test_constituents_may_not_write(personas):
    with pytest.raises(PermissionDenied):
        actions.check_create_advisory(personas.constituent_admin, advisory_data())
    with pytest.raises(PermissionDenied):
        actions.check_create_advisory(personas.auditor, advisory_data())


def test_unknown_fields_and_choices_are_refused(personas):
    with pytest.raises(ValidationError) as caught:
        actions.check_create_advisory(personas.cert_analyst, advisory_data(status="published"))
    assert "status" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        actions.check_create_advisory(personas.cert_analyst, advisory_data(target_provinces=["99"]))
    assert "target_provinces" in caught.value.message_dict


def test_language_change_times_flag_the_lagging_translation(personas, draft):
    assert draft.lagging_language is None
    updated = actions.check_update_advisory(
        personas.cert_analyst, draft, {"summary_en": "Update the firmware now."}
    )
    assert updated.lagging_language == "id"
    # Editing the English again keeps the Indonesian behind.
    updated = actions.check_update_advisory(
        personas.cert_analyst, updated, {"remediation_en": "Install 2.5."}
    )
    assert updated.lagging_language == "id"
    # Translating catches up.
    updated = actions.check_update_advisory(
        personas.cert_analyst, updated, {"summary_id": "Segera perbarui firmware."}
    )
    assert updated.lagging_language is None
    updated = actions.check_update_advisory(
        personas.cert_analyst, updated, {"title_id": "Judul baru"}
    )
    assert updated.lagging_language == "en"
    # Saving the same text again changes nothing.
    again = actions.check_update_advisory(
        personas.cert_analyst, updated, {"title_id": "Judul baru"}
    )
    assert again.id_changed_at == updated.id_changed_at
    # Both languages in one save: in step.
    both = actions.check_update_advisory(
        personas.cert_analyst, again, {"title_id": "A", "title_en": "A"}
    )
    assert both.lagging_language is None


def test_products_references_and_techniques_are_replaced(personas, draft):
    Technique.objects.create(
        attack_id="T0866",
        name="Exploitation of Remote Services",
        domain="ics-attack",
        stix_id="attack-pattern--0001",
        modified=datetime(2025, 1, 1, tzinfo=UTC),
    )
    updated = actions.check_update_advisory(
        personas.cert_analyst,
        draft,
        {
            "products": [{"vendor": "Fabrikam", "product": "Infusion Pump", "cpe": ""}],
            "references": [{"url": "https://fabrikam.example/a", "summary": ""}],
            "attack_techniques": ["t0866"],
        },
    )
    assert [str(product) for product in updated.products.all()] == ["Fabrikam Infusion Pump"]
    assert updated.products.get().vendor_key == "fabrikam"
    assert updated.references == [
        {"url": "https://fabrikam.example/a", "summary": "https://fabrikam.example/a"}
    ]
    assert list(updated.attack_techniques.values_list("attack_id", flat=True)) == ["T0866"]
    with pytest.raises(ValidationError) as caught:
        actions.check_update_advisory(personas.cert_analyst, draft, {"attack_techniques": ["X1"]})
    assert "attack_techniques" in caught.value.message_dict


def test_links_only_to_incidents_the_author_may_see(personas, draft):
    incident = check_create_incident(personas.cert_analyst, {"title": "Ransomware at a hospital"})
    updated = actions.check_update_advisory(
        personas.cert_analyst, draft, {"incidents": [incident.pk]}
    )
    assert list(updated.incidents.all()) == [incident]
    with pytest.raises(ValidationError) as caught:
        actions.check_update_advisory(personas.cert_analyst, draft, {"incidents": [999_999]})
    assert "incidents" in caught.value.message_dict


def test_changes_are_audited(personas, draft):
    entries = AuditEntry.objects.filter(object_type="advisories.advisory", object_id=str(draft.pk))
    assert entries.filter(action="create").exists()


def _vendor_advisory(personas, tlp="clear"):
    document = {
        "document": {
            "category": "csaf_security_advisory",
            "title": "Contoso Patient Monitor",
            "notes": [
                {
                    "category": "summary",
                    "text": "Successful exploitation could allow code execution.",
                },
                {"category": "general", "text": "CVSS scores are computed by the vendor."},
            ],
            "references": [
                {"url": "https://contoso.example/psirt/1", "summary": "Vendor advisory"},
                {"url": "javascript:bad()", "summary": "dropped"},
            ],
        },
        "vulnerabilities": [
            {
                "cve": "CVE-2026-1234",
                "notes": [{"category": "description", "text": "Stack overflow in the parser."}],
                "scores": [{"cvss_v3": {"vectorString": V3, "version": "3.1"}}],
                "remediations": [
                    {"category": "vendor_fix", "details": "Update to 2.4."},
                    {"category": "mitigation", "details": "Isolate the monitors' network."},
                ],
            },
            {"cve": "CVE-2026-5678", "scores": [{"cvss_v3": {"vectorString": "CVSS:3.0/AV:N"}}]},
        ],
    }
    vendor = VendorAdvisory.objects.create(
        publisher_name="Contoso",
        publisher_namespace="https://contoso.example",
        tracking_id="CONTOSO-2026-01",
        title="Contoso Patient Monitor",
        category="csaf_security_advisory",
        tlp=tlp,
        document=document,
        sha256="0" * 64,
    )
    vulnerability = Vulnerability.objects.create(cve_id="CVE-2026-1234")
    for status in ("affected", "fixed"):
        AffectedProduct.objects.create(
            vulnerability=vulnerability,
            vendor_advisory=vendor,
            source="csaf",
            status=status,
            vendor="Contoso",
            product="Patient Monitor",
            versions="<2.4" if status == "affected" else "2.4",
        )
    return vendor


def test_draft_from_vendor_advisory(personas):
    vendor = _vendor_advisory(personas)
    advisory = actions.check_create_draft_from_vendor_advisory(personas.cert_analyst, vendor)
    assert advisory.vendor_advisory == vendor
    assert advisory.title_en == advisory.title_id == "Contoso Patient Monitor"
    assert "code execution" in advisory.summary_en and advisory.summary_id == advisory.summary_en
    assert "Stack overflow" in advisory.description_en
    assert advisory.remediation_en == "Update to 2.4."
    assert "Isolate" in advisory.workarounds_en
    assert advisory.lagging_language == "id"  # the Indonesian is still the vendor's English
    assert list(advisory.cves.values_list("cve_id", "cvss3_score")) == [
        ("CVE-2026-1234", Decimal("9.8")),
        ("CVE-2026-5678", None),
    ]
    assert advisory.severity == "critical"
    assert [(p.vendor, p.product, p.versions) for p in advisory.products.all()] == [
        ("Contoso", "Patient Monitor", "<2.4")
    ]
    assert advisory.references == [
        {"url": "https://contoso.example/psirt/1", "summary": "Vendor advisory"}
    ]


def test_draft_from_a_red_vendor_advisory_is_amber_strict(personas):
    advisory = actions.check_create_draft_from_vendor_advisory(
        personas.cert_analyst, _vendor_advisory(personas, tlp="red")
    )
    assert advisory.tlp == "amber+strict" and not advisory.target_inventory


def test_constituents_cannot_draft_from_vendor_advisories(personas):
    with pytest.raises(PermissionDenied):
        actions.check_create_draft_from_vendor_advisory(
            personas.constituent_admin, _vendor_advisory(personas)
        )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    document=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "document",
                        "notes",
                        "vulnerabilities",
                        "cve",
                        "scores",
                        "cvss_v3",
                        "vectorString",
                        "remediations",
                        "category",
                        "details",
                        "text",
                        "references",
                        "url",
                        "summary",
                    ]
                ),
                children,
                max_size=5,
            )
        ),
        max_leaves=25,
    )
)
def test_malformed_vendor_documents_still_make_a_draft(personas, document):
    vendor = VendorAdvisory.objects.create(
        title="Odd",
        document=document if document is not None else [],  # SQL NULL is not a document
        tlp="clear",
        publisher_name="X",
        publisher_namespace="https://x.example",
        tracking_id=f"X-{next(_numbers)}",
        category="csaf_base",
        sha256="1" * 64,
    )
    advisory = actions.create_draft_from_vendor_advisory(vendor, personas.cert_analyst)
    assert advisory.title_en == "Odd"
