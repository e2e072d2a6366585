"""The STIX export API: what each caller gets (``restrict`` + export permission), filters,
content type, audit, and TLP:RED only for named recipients.

The operations are served here by a test API of their own (``urlpatterns`` below), so that these
tests do not depend on how the stix app's router includes them.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.urls import path
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ninja import Router

import siaga.urls
from siaga.audit.models import AuditEntry
from siaga.core.apitools import SessionAuth, SiagaAPI, TokenAuth
from siaga.core.testing import api_client_for
from siaga.incidents.actions import check_create_incident
from siaga.intel.models import Indicator
from siaga.sharing.choices import TLP, TLP2_MARKING_IDS, Distribution
from siaga.stix.api import exports as exports_api
from siaga.stix.exporter import STIX_CONTENT_TYPE
from siaga.stix.models import StixObject
from siaga.stix.tests.test_export_objects import full_incident, make_indicator, validation_problems

test_api = SiagaAPI(
    title="STIX export (test)",
    urls_namespace="stix-export-test",
    docs_url=None,
    auth=[TokenAuth(), SessionAuth()],
)
test_api.add_router("", exports_api.add_operations(Router(tags=["stix"])))

urlpatterns = [
    path("api/v1/", test_api.urls),
    *siaga.urls.urlpatterns,
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def get_bundle(user: Any, url: str, status: int = 200) -> dict[str, Any]:
    response = api_client_for(user).get(url)
    assert response.status_code == status, response.content[:500]
    if status != 200:
        assert response["Content-Type"].startswith("application/problem+json")
        return response.json()
    assert response["Content-Type"] == STIX_CONTENT_TYPE
    body = b"".join(response.streaming_content) if response.streaming else response.content
    document = json.loads(body)
    assert validation_problems(document) == []
    return document


def values_of(document: dict[str, Any]) -> set[str]:
    return {obj["name"] for obj in document["objects"] if obj["type"] == "indicator"}


@pytest.fixture
def intel(personas: Any) -> dict[str, Any]:
    """Indicators of several sources and labels."""
    orgs = personas.orgs
    red = make_indicator(
        orgs.agency,
        "ip",
        "192.0.2.66",
        tlp=TLP.RED,
        distribution=Distribution.ORGANIZATION,
        created_by=personas.coord_member,
    )
    red.recipients.add(personas.constituent_admin)
    return {
        "own_amber": make_indicator(
            orgs.hospital, "domain", "own.example", tlp=TLP.AMBER, distribution="organization"
        ),
        "other_amber": make_indicator(
            orgs.other_hospital,
            "domain",
            "other.example",
            tlp=TLP.AMBER,
            distribution=Distribution.ORGANIZATION,
        ),
        "community": make_indicator(orgs.agency, "ip", "192.0.2.1", tlp=TLP.GREEN),
        "clear_hash": make_indicator(
            orgs.cert, "sha256", "a" * 64, tlp=TLP.CLEAR, distribution=Distribution.PUBLIC
        ),
        "red": red,
    }


# --- Indicators ----------------------------------------------------------------------------------


def test_hospital_exports_what_it_sees_and_nothing_else(personas: Any, intel: Any) -> None:
    document = get_bundle(personas.constituent_admin, "/api/v1/stix/export/indicators")
    assert values_of(document) == {"own.example", "192.0.2.1", "a" * 64, "192.0.2.66"}
    assert "other.example" not in json.dumps(document)


def test_red_goes_only_to_named_recipients(personas: Any, intel: Any) -> None:
    analyst = get_bundle(personas.cert_analyst, "/api/v1/stix/export/indicators")
    assert "192.0.2.66" not in values_of(analyst)
    author = get_bundle(personas.coord_member, "/api/v1/stix/export/indicators")
    assert "192.0.2.66" in values_of(author)
    recipient = get_bundle(personas.constituent_admin, "/api/v1/stix/export/indicators?tlp=red")
    assert values_of(recipient) == {"192.0.2.66"}
    red = next(obj for obj in recipient["objects"] if obj["type"] == "indicator")
    assert red["object_marking_refs"] == [TLP2_MARKING_IDS[TLP.RED]]
    markings = [obj for obj in recipient["objects"] if obj["type"] == "marking-definition"]
    assert [m["id"] for m in markings] == [TLP2_MARKING_IDS[TLP.RED]]


def test_filters(personas: Any, intel: Any) -> None:
    user = personas.cert_analyst
    by_type = get_bundle(user, "/api/v1/stix/export/indicators?type=ip")
    assert values_of(by_type) == {"192.0.2.1"}
    Indicator.objects.update(updated_at=timezone.now() - timedelta(days=2))
    Indicator.objects.filter(pk=intel["community"].pk).update(updated_at=timezone.now())
    since = (timezone.now() - timedelta(seconds=30)).isoformat()
    recent = api_client_for(user).get("/api/v1/stix/export/indicators", {"since": since})
    assert values_of(json.loads(b"".join(recent.streaming_content))) == {"192.0.2.1"}
    later = (timezone.now() + timedelta(hours=1)).isoformat()
    empty = api_client_for(user).get("/api/v1/stix/export/indicators", {"since": later})
    assert values_of(json.loads(b"".join(empty.streaming_content))) == set()


@pytest.mark.parametrize(
    "query", ["?type=bogus", "?tlp=white", "?since=yesterday", "?since=2025-01-01T00:00:00"]
)
def test_bad_filters_are_refused_with_a_problem(personas: Any, query: str) -> None:
    problem = get_bundle(personas.cert_analyst, f"/api/v1/stix/export/indicators{query}", 422)
    assert problem["errors"]


@pytest.mark.parametrize("persona", ["constituent_reporter", "auditor", "outsider"])
def test_no_export_permission_no_indicators(personas: Any, persona: str) -> None:
    get_bundle(personas.by_name(persona), "/api/v1/stix/export/indicators", 403)


def test_export_is_audited(personas: Any, intel: Any) -> None:
    get_bundle(personas.constituent_admin, "/api/v1/stix/export/indicators?type=domain")
    entry = AuditEntry.objects.filter(action="export").latest("seq")
    assert entry.object_type == "intel.indicator"
    assert entry.actor_id == personas.constituent_admin.pk
    assert entry.changes["rows"] == 1  # its own; not the other hospital's
    assert entry.changes["filters"] == {"format": "stix", "type": "domain"}


def test_anonymous_gets_401() -> None:
    from django.test import Client

    assert Client().get("/api/v1/stix/export/indicators").status_code == 401


# --- One incident --------------------------------------------------------------------------------


def test_incident_bundle(personas: Any) -> None:
    incident = full_incident(personas, tlp=TLP.RED)
    document = get_bundle(personas.cert_analyst, f"/api/v1/incidents/{incident.pk}/stix")
    sdo = next(obj for obj in document["objects"] if obj["type"] == "incident")
    assert sdo["name"].startswith(incident.reference)
    entry = AuditEntry.objects.filter(action="export").latest("seq")
    assert (entry.object_type, entry.object_id) == ("incidents.incident", str(incident.pk))
    assert get_bundle(personas.auditor, f"/api/v1/incidents/{incident.pk}/stix")


def test_incident_bundle_refused(personas: Any) -> None:
    incident = full_incident(personas)  # affects the hospital
    # The hospital sees it but may not export incidents; another hospital does not see it.
    get_bundle(personas.constituent_admin, f"/api/v1/incidents/{incident.pk}/stix", 403)
    get_bundle(personas.other_reporter, f"/api/v1/incidents/{incident.pk}/stix", 404)
    get_bundle(personas.cert_analyst, "/api/v1/incidents/999999/stix", 404)
    get_bundle(personas.cert_analyst, "/api/v1/incidents/0/stix", 422)


def test_incident_not_shared_is_not_found_for_the_agency(personas: Any) -> None:
    incident = check_create_incident(personas.cert_analyst, {"title": "Internal"})
    get_bundle(personas.coord_member, f"/api/v1/incidents/{incident.pk}/stix", 404)


# --- Objects of the STIX store ------------------------------------------------------------------


def store_object(stix_id: str, version: str, *, latest: bool = True, **labels: Any) -> StixObject:
    stamp = f"2025-01-0{version}T00:00:00.000Z"
    raw = json.dumps(
        {
            "type": stix_id.split("--")[0],
            "spec_version": "2.1",
            "id": stix_id,
            "created": "2025-01-01T00:00:00.000Z",
            "modified": stamp,
            "name": f"{stix_id[:12]} v{version}",
            "x_custom": {"kept": True},  # an imported custom property, kept as it came
            **({"is_family": True} if stix_id.startswith("malware--") else {}),
        },
        sort_keys=True,
    )
    labels.setdefault("tlp", TLP.GREEN)
    labels.setdefault("distribution", Distribution.CONSTITUENTS)
    return StixObject.objects.create(
        stix_id=stix_id,
        type=stix_id.split("--")[0],
        version=timezone.datetime.fromisoformat(stamp),
        is_latest=latest,
        raw=raw,
        **labels,
    )


MALWARE = "malware--0c1d0e6e-2a9d-4e55-8e0c-2f7f6a0c3a8b"
TOOL = "tool--9d1c5c4e-7f0e-4a43-9d3b-6c8a3fd9a111"
SECRET = "malware--3b4a3c1e-5f5e-4b0a-9d5e-2b6f1c7a8e22"


@pytest.fixture
def store(personas: Any) -> dict[str, StixObject]:
    orgs = personas.orgs
    return {
        "old": store_object(MALWARE, "1", latest=False, organization=orgs.agency),
        "new": store_object(MALWARE, "2", organization=orgs.agency),
        "tool": store_object(TOOL, "1", organization=orgs.agency),
        "secret": store_object(
            SECRET,
            "1",
            organization=orgs.other_hospital,
            tlp=TLP.AMBER,
            distribution="organization",
        ),
    }


def test_store_export_latest_versions_verbatim(personas: Any, store: Any) -> None:
    response = api_client_for(personas.constituent_admin).get(
        "/api/v1/stix/export/objects?type=malware"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == STIX_CONTENT_TYPE
    text = b"".join(response.streaming_content).decode()
    assert store["new"].raw in text  # copied as stored, byte for byte
    document = json.loads(text)
    ids = [obj["id"] for obj in document["objects"] if obj["type"] != "marking-definition"]
    assert ids == [MALWARE]  # the latest version only; the other hospital's AMBER left out
    assert document["objects"][0]["x_custom"] == {"kept": True}
    # Only errors count here: the custom property of the "imported" object draws a warning.
    assert [p for p in validation_problems(document) if p.startswith("error")] == []


def test_store_export_every_type(personas: Any, store: Any) -> None:
    response = api_client_for(personas.cert_analyst).get("/api/v1/stix/export/objects")
    document = json.loads(b"".join(response.streaming_content))
    ids = {obj["id"] for obj in document["objects"] if obj["type"] != "marking-definition"}
    assert ids == {MALWARE, TOOL}
    entry = AuditEntry.objects.filter(action="export").latest("seq")
    assert entry.object_type == "stix.stixobject"
    assert entry.changes["rows"] == 2


@pytest.mark.parametrize("query", ["?type=Malware", "?type=x", "?type=a%20b", "?type=-x"])
def test_store_export_refuses_bad_types(personas: Any, query: str) -> None:
    get_bundle(personas.cert_analyst, f"/api/v1/stix/export/objects{query}", 422)


def test_store_export_needs_permission(personas: Any) -> None:
    get_bundle(personas.constituent_reporter, "/api/v1/stix/export/objects", 403)


# --- Any query gets an answer, never a server error (property test) -------------------------------


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.sampled_from(["type", "tlp", "since"]),
    value=st.text(max_size=40).filter(lambda text: "\x00" not in text),
    path=st.sampled_from(["/api/v1/stix/export/indicators", "/api/v1/stix/export/objects"]),
)
def test_any_filter_value_gets_a_bundle_or_a_clear_error(
    personas: Any, name: str, value: str, path: str
) -> None:
    response = api_client_for(personas.cert_analyst).get(path, {name: value})
    assert response.status_code in (200, 422), response.content[:300]
    if response.status_code == 422:
        assert response.json()["errors"][0]["field"]
    else:
        json.loads(b"".join(response.streaming_content))
