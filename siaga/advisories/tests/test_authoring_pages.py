"""The advisory pages: list, the two-language form with its formsets, the detail with workflow
buttons, the review preview, the recipients view and a constituent's answer."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from siaga.advisories import actions
from siaga.advisories.models import Advisory
from siaga.advisories.tests.conftest import advisory_data, make_item, publish
from siaga.core.testing import login

pytestmark = pytest.mark.django_db


def _management(prefix: str, total: int = 1) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "500",
    }


def _post_data(**extra: str) -> dict[str, str]:
    data = {
        "kind": "alert",
        "severity": "critical",
        "tlp": "green",
        "title_id": "Serangan aktif",
        "title_en": "Active attack",
        "summary_id": "Ringkasan",
        "summary_en": "Summary",
        "target_inventory": "on",
        **_management("cves"),
        "cves-0-cve_id": "CVE-2026-1234",
        "cves-0-cvss3_vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        **_management("products"),
        "products-0-vendor": "Contoso",
        "products-0-product": "Patient Monitor",
        "products-0-versions": "<2.4",
        **_management("references"),
        "references-0-url": "https://contoso.example/psirt",
    }
    data.update(extra)
    return data


def test_create_page_writes_a_draft(client, personas):
    login(client, personas.cert_analyst)
    assert client.get(reverse("advisories:create")).status_code == 200
    response = client.post(reverse("advisories:create"), _post_data())
    advisory = Advisory.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("advisories:detail", args=[advisory.pk])
    assert advisory.title_id == "Serangan aktif" and advisory.kind == "alert"
    assert advisory.cves.get().cvss3_score is not None
    assert advisory.products.get().versions == "<2.4"
    assert advisory.references[0]["url"] == "https://contoso.example/psirt"


def test_bad_input_shows_errors_on_the_form(client, personas):
    login(client, personas.cert_analyst)
    response = client.post(
        reverse("advisories:create"),
        _post_data(**{"references-0-url": "javascript:alert(1)", "cves-0-cvss3_vector": "bad"}),
    )
    assert response.status_code == 200
    assert not Advisory.objects.exists()
    assert b"not an http(s) address" in response.content or b"bad CVSS vector" in response.content


def test_detail_flags_the_lagging_language_and_offers_the_workflow(client, personas, draft):
    actions.check_update_advisory(personas.cert_analyst, draft, {"summary_en": "New English"})
    login(client, personas.cert_analyst)
    page = client.get(reverse("advisories:detail", args=[draft.pk])).content.decode()
    assert "The Indonesian text is older than the English" in page
    assert "Submit for review" in page
    response = client.post(reverse("advisories:submit", args=[draft.pk]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "in_review"


def test_review_page_previews_recipients_and_blocks_the_author(client, personas, draft):
    make_item(personas.orgs.hospital, "Contoso", "Patient Monitor", "2.0")
    actions.check_submit(personas.cert_analyst, draft)
    login(client, personas.cert_lead)
    page = client.get(reverse("advisories:detail", args=[draft.pk])).content.decode()
    assert "It would go to 1 constituent" in page and "Test Hospital" in page
    assert "Approve and publish" in page
    login(client, personas.cert_analyst)
    page = client.get(reverse("advisories:detail", args=[draft.pk])).content.decode()
    assert "Approve and publish" not in page


def test_approve_by_the_author_is_refused_with_a_message(client, personas):
    advisory = actions.check_create_advisory(personas.cert_lead, advisory_data())
    actions.check_submit(personas.cert_lead, advisory)
    login(client, personas.cert_lead)
    response = client.post(reverse("advisories:approve", args=[advisory.pk]), follow=True)
    assert "Four eyes" in response.content.decode()
    advisory.refresh_from_db()
    assert advisory.status == "in_review"


def test_illegal_step_shows_the_reason(client, personas, draft):
    login(client, personas.cert_lead)
    response = client.post(
        reverse("advisories:withdraw", args=[draft.pk]), {"reason": "x"}, follow=True
    )
    assert "Only a published advisory can be withdrawn" in response.content.decode()


def test_constituent_reads_the_last_revision_in_its_language_and_answers(client, personas):
    advisory = actions.check_create_advisory(
        personas.cert_analyst,
        advisory_data(target_inventory=False, target_organizations=[personas.orgs.hospital.pk]),
    )
    publish(personas, advisory)
    actions.check_update_advisory(personas.cert_analyst, advisory, {"title_en": "Unreviewed edit"})
    login(client, personas.constituent_reporter)
    listing = client.get(reverse("advisories:list")).content.decode()
    assert advisory.tracking_id in listing and "Not answered" in listing
    page = client.get(reverse("advisories:detail", args=[advisory.pk])).content.decode()
    assert "Vulnerability in Contoso patient monitors" in page
    assert "Unreviewed edit" not in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    page = client.get(reverse("advisories:detail", args=[advisory.pk])).content.decode()
    assert "Kerentanan pada monitor pasien Contoso" in page
    response = client.post(
        reverse("advisories:answer", args=[advisory.pk]),
        {"answer": "mitigating", "comment": "Network isolated"},
    )
    assert response.status_code == 302
    row = advisory.recipients.get()
    assert row.answer == "mitigating" and row.answer_comment == "Network isolated"


def test_other_constituents_get_404(client, personas):
    advisory = actions.check_create_advisory(
        personas.cert_analyst,
        advisory_data(target_inventory=False, target_organizations=[personas.orgs.hospital.pk]),
    )
    publish(personas, advisory)
    login(client, personas.other_reporter)
    assert client.get(reverse("advisories:detail", args=[advisory.pk])).status_code == 404
    assert (
        client.post(
            reverse("advisories:answer", args=[advisory.pk]), {"answer": "patched"}
        ).status_code
        == 404
    )


def test_recipients_page_for_the_cert(client, personas):
    advisory = actions.check_create_advisory(
        personas.cert_analyst,
        advisory_data(target_inventory=False, target_organizations=[personas.orgs.hospital.pk]),
    )
    publish(personas, advisory)
    row = actions.recipient_for_answer(personas.constituent_admin, advisory)
    actions.check_answer(personas.constituent_admin, row, "need_help", "Which firmware?")
    login(client, personas.cert_analyst)
    page = client.get(reverse("advisories:recipients", args=[advisory.pk])).content.decode()
    assert "Test Hospital" in page and "Need help" in page and "Which firmware?" in page
    login(client, personas.constituent_admin)
    assert client.get(reverse("advisories:recipients", args=[advisory.pk])).status_code == 403


def test_list_filters_by_status(client, personas, draft):
    other = actions.check_create_advisory(personas.cert_analyst, advisory_data(title_en="Other"))
    actions.check_submit(personas.cert_analyst, other)
    login(client, personas.cert_analyst)
    page = client.get(reverse("advisories:list"), {"status": "in_review"}).content.decode()
    assert other.tracking_id in page and draft.tracking_id not in page


def test_edit_page_keeps_both_languages(client, personas, draft):
    login(client, personas.cert_analyst)
    page = client.get(reverse("advisories:edit", args=[draft.pk])).content.decode()
    assert "Kerentanan pada monitor pasien Contoso" in page and "CVE-2026-1234" in page


def test_an_update_in_review_asks_what_changed_and_shows_the_history(client, personas, draft):
    published = publish(personas, draft)
    actions.check_update_advisory(personas.cert_analyst, published, {"title_en": "Exploited"})
    actions.check_submit(personas.cert_analyst, published)
    login(client, personas.cert_lead)
    page = client.get(reverse("advisories:detail", args=[draft.pk])).content.decode()
    assert "Approve and publish the update" in page and "change_summary_en" in page
    assert "Revision history" in page and personas.cert_lead.email in page
    response = client.post(
        reverse("advisories:approve", args=[draft.pk]),
        {"change_summary_en": "Exploited in the wild.", "change_summary_id": "Dieksploitasi."},
    )
    assert response.status_code == 302
    page = client.get(reverse("advisories:detail", args=[draft.pk])).content.decode()
    assert "Exploited in the wild." in page and "updated" in page


def test_a_withdrawn_advisory_says_so_to_its_readers(client, personas):
    advisory = actions.check_create_advisory(
        personas.cert_analyst,
        advisory_data(target_inventory=False, target_organizations=[personas.orgs.hospital.pk]),
    )
    publish(personas, advisory)
    actions.check_withdraw(personas.cert_lead, advisory, "The vendor retracted it.")
    login(client, personas.constituent_admin)
    page = client.get(reverse("advisories:detail", args=[advisory.pk])).content.decode()
    assert "This advisory was withdrawn." in page and "The vendor retracted it." in page
    assert "Send answer" not in page


def test_draft_from_vendor_page(client, personas):
    from siaga.vulns.models import VendorAdvisory

    vendor = VendorAdvisory.objects.create(
        publisher_name="Contoso",
        publisher_namespace="https://contoso.example",
        tracking_id="C-2",
        title="Contoso Monitor",
        category="csaf_security_advisory",
        document={},
        sha256="0" * 64,
    )
    login(client, personas.cert_analyst)
    response = client.post(reverse("advisories:from-vendor", args=[vendor.pk]))
    advisory = Advisory.objects.get()
    assert response["Location"] == reverse("advisories:edit", args=[advisory.pk])
    page = client.get(reverse("advisories:detail", args=[advisory.pk])).content.decode()
    assert "The Indonesian text is older than the English" in page
