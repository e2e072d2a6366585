"""The MISP API: POST /api/v1/misp/events and GET /api/v1/misp/feeds."""

from __future__ import annotations

import json

import pytest

from siaga.core.testing import Personas, api_client_for
from siaga.integrations.misp.actions import check_create_feed
from siaga.integrations.misp.tests.helpers import event_document
from siaga.intel.models import Indicator

pytestmark = pytest.mark.django_db

URL = "/api/v1/misp/events"


def test_import_an_event(personas: Personas) -> None:
    client = api_client_for(personas.cert_analyst)
    response = client.post(
        URL + "?tlp=green&distribution=constituents",
        json.dumps(event_document()),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["created"] == 16
    assert body["not_imported"]["regkey"] == 1
    assert "not imported: type text (1)" in body["not_imported_lines"]
    assert Indicator.objects.filter(organization=personas.orgs.cert).count() == 16


def test_a_malformed_event_is_a_problem_naming_the_field(personas: Personas) -> None:
    client = api_client_for(personas.cert_analyst)
    document = event_document()
    document["Event"]["Attribute"][0]["timestamp"] = "soon"
    response = client.post(URL, json.dumps(document), content_type="application/json")
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    assert "Event.Attribute[0].timestamp" in json.dumps(response.json())
    assert not Indicator.objects.exists()


def test_contradicting_defaults_are_refused(personas: Personas) -> None:
    client = api_client_for(personas.cert_analyst)
    response = client.post(
        URL + "?tlp=amber&distribution=public",
        json.dumps(event_document()),
        content_type="application/json",
    )
    assert response.status_code == 422


def test_importing_needs_indicator_add(personas: Personas) -> None:
    client = api_client_for(personas.constituent_reporter)
    response = client.post(URL, json.dumps(event_document()), content_type="application/json")
    assert response.status_code == 403
    response = api_client_for(personas.cert_analyst).post(
        URL + f"?organization_id={personas.orgs.hospital.pk}",
        json.dumps(event_document()),
        content_type="application/json",
    )
    assert response.status_code == 403


def test_list_feeds(personas: Personas) -> None:
    check_create_feed(personas.cert_admin, "Hospital", personas.orgs.hospital)
    response = api_client_for(personas.cert_lead).get("/api/v1/misp/feeds")
    assert response.status_code == 200
    (feed,) = response.json()["results"]
    assert feed["name"] == "Hospital" and feed["organization_id"] == personas.orgs.hospital.pk
    assert "token_hash" not in feed
    assert api_client_for(personas.constituent_admin).get("/api/v1/misp/feeds").status_code == 403
