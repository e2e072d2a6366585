"""CSAF and PDF downloads of an advisory's latest revision, by API and on the web: the CERT's
staff and the advisory's recipients may download, others get a 404; every download is audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from siaga.advisories.choices import RecipientReason
from siaga.advisories.models import AdvisoryRecipient
from siaga.advisories.tests.builders import make_advisory, publish
from siaga.audit.models import AuditEntry
from siaga.core.testing import Personas, api_client_for, login
from siaga.csaf.validation import csaf_problems
from siaga.sharing.choices import TLP

pytestmark = pytest.mark.django_db

READERS = [
    "cert_admin",
    "cert_lead",
    "cert_analyst",
    "auditor",
    "constituent_admin",
    "constituent_reporter",
]
NOT_READERS = ["coord_member", "other_reporter", "outsider"]


@pytest.fixture
def published(personas: Personas) -> Any:
    """A TLP:AMBER advisory, published to the hospital (not to the other hospital)."""
    advisory = make_advisory(personas.orgs.cert, tlp=TLP.AMBER, title_en="Amber advisory")
    publish(advisory)
    AdvisoryRecipient.objects.create(
        advisory=advisory, organization=personas.orgs.hospital, reason=RecipientReason.NAMED
    )
    return advisory


@pytest.mark.parametrize("name", READERS)
def test_readers_download_csaf_by_api(personas: Personas, published: Any, name: str) -> None:
    client = api_client_for(personas.by_name(name), "read")
    before = AuditEntry.objects.count()
    response = client.get(f"/api/v1/advisories/{published.pk}/csaf?language=id")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    document = response.json()
    assert document["document"]["lang"] == "id"
    assert document["document"]["distribution"]["tlp"]["label"] == "AMBER"
    assert csaf_problems(document) == []
    assert AuditEntry.objects.count() > before


@pytest.mark.parametrize("name", NOT_READERS)
def test_others_get_not_found(personas: Personas, published: Any, name: str) -> None:
    client = api_client_for(personas.by_name(name), "read")
    assert client.get(f"/api/v1/advisories/{published.pk}/csaf").status_code == 404
    assert client.get(f"/api/v1/advisories/{published.pk}/pdf").status_code == 404
    web = login(Client(), personas.by_name(name))
    assert web.get(f"/advisories-export/{published.pk}/csaf-en.json").status_code == 404
    assert web.get(f"/advisories-export/{published.pk}/pdf/").status_code == 404


def test_default_language_is_english_and_bad_language_refused(
    personas: Personas, published: Any
) -> None:
    client = api_client_for(personas.cert_analyst, "read")
    response = client.get(f"/api/v1/advisories/{published.pk}/csaf")
    assert response.json()["document"]["lang"] == "en"
    bad = client.get(f"/api/v1/advisories/{published.pk}/csaf?language=fr")
    assert 400 <= bad.status_code < 500
    assert bad["Content-Type"] == "application/problem+json"


def test_never_published_is_not_found_even_for_staff(personas: Personas) -> None:
    draft = make_advisory(personas.orgs.cert)
    client = api_client_for(personas.cert_analyst, "read")
    assert client.get(f"/api/v1/advisories/{draft.pk}/csaf").status_code == 404
    assert client.get(f"/api/v1/advisories/{draft.pk}/pdf").status_code == 404
    assert client.get("/api/v1/advisories/999999999/csaf").status_code == 404


def test_anonymous_is_refused(published: Any) -> None:
    assert Client().get(f"/api/v1/advisories/{published.pk}/csaf").status_code == 401
    response = Client().get(f"/advisories-export/{published.pk}/pdf/")
    assert response.status_code == 302  # to the sign-in page
    assert "/accounts/login" in response["Location"]


def test_pdf_by_api_and_web(personas: Personas, published: Any) -> None:
    client = api_client_for(personas.constituent_reporter, "read")
    response = client.get(f"/api/v1/advisories/{published.pk}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert f"{published.tracking_id}-v1.pdf" in response["Content-Disposition"]

    web = login(Client(), personas.constituent_admin)
    page = web.get(f"/advisories-export/{published.pk}/pdf/")
    assert page.status_code == 200
    assert page.content.startswith(b"%PDF-")


def test_web_csaf_download_is_audited(personas: Personas, published: Any) -> None:
    web = login(Client(), personas.cert_analyst)
    before = AuditEntry.objects.count()
    response = web.get(f"/advisories-export/{published.pk}/csaf-id.json")
    assert response.status_code == 200
    assert response.json()["document"]["tracking"]["id"] == published.tracking_id
    assert "attachment" in response["Content-Disposition"]
    entry = AuditEntry.objects.order_by("-seq").first()
    assert AuditEntry.objects.count() == before + 1
    assert entry is not None and entry.changes["filters"]["format"] == "csaf"


def test_exports_read_the_revision_not_the_working_copy(personas: Personas, published: Any) -> None:
    published.title_en = "Unreviewed edit"
    published.save()
    client = api_client_for(personas.cert_analyst, "read")
    document = client.get(f"/api/v1/advisories/{published.pk}/csaf").json()
    assert document["document"]["title"] == "Amber advisory"
