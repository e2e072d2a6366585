"""Every persona against every TAXII endpoint: who gets in, who is refused and how.

The TAXII endpoints are not in the page matrix (tests/test_permission_matrix.py): they take HTTP
Basic or bearer credentials, never the session, and refuse anonymous callers with 401.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client

from siaga.core.testing import Personas
from siaga.taxii.models import StatusState, TaxiiStatus
from siaga.taxii.protocol import TAXII_MEDIA_TYPE
from siaga.taxii.tests.helpers import ROOT, Scenario, make_stix, objects_url, taxii_client
from tests.matrix_base import ANONYMOUS, CERT_STAFF, EVERYONE_SIGNED_IN, IN_AN_ORGANIZATION

pytestmark = pytest.mark.django_db

WRITERS = CERT_STAFF | {"coord_member", "constituent_admin"}  # stixobject.add somewhere


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    url: Callable[[Scenario, dict], str]
    allowed: frozenset[str]
    ok: int = 200
    body: bool = False


def green(s: Scenario, rows: dict) -> str:
    return f"{ROOT}collections/{s.green.uuid}/"


ENDPOINTS = [
    Endpoint("discovery", "get", lambda s, r: "/taxii2/", EVERYONE_SIGNED_IN),
    Endpoint("api-root", "get", lambda s, r: ROOT, EVERYONE_SIGNED_IN),
    Endpoint("collections", "get", lambda s, r: f"{ROOT}collections/", EVERYONE_SIGNED_IN),
    Endpoint("collection", "get", green, IN_AN_ORGANIZATION),
    Endpoint("manifest", "get", lambda s, r: green(s, r) + "manifest/", IN_AN_ORGANIZATION),
    Endpoint("objects", "get", lambda s, r: objects_url(s.green), IN_AN_ORGANIZATION),
    Endpoint("objects-post", "post", lambda s, r: objects_url(s.green), WRITERS, ok=202, body=True),
    Endpoint(
        "object", "get", lambda s, r: f"{objects_url(s.green)}{r['stix_id']}/", IN_AN_ORGANIZATION
    ),
    Endpoint(
        "versions",
        "get",
        lambda s, r: f"{objects_url(s.green)}{r['stix_id']}/versions/",
        IN_AN_ORGANIZATION,
    ),
    # Only the agency wrote the object; stixobject.delete is for one's own organization's rows.
    Endpoint(
        "object-delete",
        "delete",
        lambda s, r: f"{objects_url(s.green)}{r['stix_id']}/",
        frozenset({"coord_member"}),
    ),
    Endpoint(
        "status",
        "get",
        lambda s, r: f"{ROOT}status/{r['status_id']}/",
        frozenset({"coord_member"}),
    ),
]


def setup_rows(scenario: Scenario) -> dict:
    personas: Personas = scenario.personas
    obj = make_stix(personas.orgs.agency)
    status = TaxiiStatus.objects.create(
        owner=personas.coord_member, collection=scenario.green, status=StatusState.COMPLETE
    )
    return {"stix_id": obj.stix_id, "status_id": status.uuid}


@pytest.mark.parametrize("persona", sorted(EVERYONE_SIGNED_IN | {ANONYMOUS}))
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_taxii_access(scenario: Scenario, endpoint: Endpoint, persona: str) -> None:
    rows = setup_rows(scenario)
    if persona == ANONYMOUS:
        client = Client(HTTP_ACCEPT=TAXII_MEDIA_TYPE)
    else:
        client = taxii_client(scenario.personas.by_name(persona))
    kwargs = {}
    if endpoint.body:
        envelope = {"objects": [_indicator()]}
        kwargs = {"data": json.dumps(envelope), "content_type": TAXII_MEDIA_TYPE}
    response = getattr(client, endpoint.method)(endpoint.url(scenario, rows), **kwargs)
    status = response.status_code
    assert response["Content-Type"] == TAXII_MEDIA_TYPE
    if persona == ANONYMOUS:
        assert status == 401, f"{endpoint.name}: anonymous got {status}"
        assert response["WWW-Authenticate"]
    elif persona in endpoint.allowed:
        assert status == endpoint.ok, f"{endpoint.name}: {persona} got {status}"
    else:
        assert status in (403, 404), f"{endpoint.name}: {persona} was let in with {status}"


def _indicator() -> dict:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": "2026-11-30T01:00:00.000Z",
        "modified": "2026-11-30T01:00:00.000Z",
        "pattern": "[ipv4-addr:value = '198.51.100.9']",
        "pattern_type": "stix",
        "valid_from": "2026-11-30T01:00:00Z",
    }
