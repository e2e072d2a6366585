"""The events API: the list (filters, paging without a count), one event, and the export."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection

from siaga.audit.models import AuditEntry
from siaga.core.testing import api_client_for
from siaga.events.choices import Severity
from siaga.events.tests.test_filters import BASE_TIME, make_event

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/events"


@pytest.fixture
def events(personas: Any) -> dict[str, Any]:
    orgs = personas.orgs
    return {
        "hospital": make_event(
            orgs.hospital,
            source_ip="192.0.2.10",
            source_port=3389,
            severity=Severity.HIGH,
            extra={"tag": "rdp", "naics": 622110},
            report_id=55,
            time_observation=BASE_TIME + timedelta(minutes=2),
        ),
        "other": make_event(orgs.other_hospital, source_ip="198.51.100.20"),
        "unattributed": make_event(
            source_ip="2001:db8::20", time_observation=BASE_TIME + timedelta(minutes=1)
        ),
    }


def _ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_the_list_is_scoped_like_the_pages(personas, events):
    analyst = api_client_for(personas.cert_analyst)
    expected = sorted((e.pk for e in events.values()), reverse=True)
    assert _ids(analyst.get(EVENTS)) == expected  # newest stored first
    reporter = api_client_for(personas.constituent_reporter)
    assert _ids(reporter.get(EVENTS)) == [events["hospital"].pk]
    assert _ids(api_client_for(personas.coord_member).get(EVENTS)) == []
    outsider = api_client_for(personas.outsider).get(EVENTS)
    assert outsider.status_code == 403
    assert outsider["Content-Type"].startswith("application/problem+json")


def test_an_event_answers_with_intelmq_fields_and_siagas_own(personas, events):
    event = events["hospital"]
    body = api_client_for(personas.constituent_admin).get(f"{EVENTS}/{event.pk}").json()
    assert body["id"] == event.pk
    assert body["constituent"] == {"id": personas.orgs.hospital.pk, "name": "Test Hospital"}
    assert body["severity"] == 3 and body["count"] == 1 and body["report_id"] == 55
    fields = body["fields"]
    assert fields["source.ip"] == "192.0.2.10" and fields["source.port"] == 3389
    assert fields["classification.type"] == "vulnerable-system"
    assert fields["time.observation"] == "2025-03-01T08:02:00+00:00"
    assert fields["extra.tag"] == "rdp" and fields["extra.naics"] == 622110
    assert "destination.ip" not in fields and "extra" not in fields
    unattributed = api_client_for(personas.cert_lead).get(f"{EVENTS}/{events['unattributed'].pk}")
    assert unattributed.json()["constituent"] is None


def test_an_event_of_another_constituent_is_not_found(personas, events):
    client = api_client_for(personas.constituent_reporter)
    response = client.get(f"{EVENTS}/{events['other'].pk}")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")
    assert client.get(f"{EVENTS}/999999999").status_code == 404


def test_the_list_takes_the_pages_filters(personas, events):
    client = api_client_for(personas.auditor)
    assert _ids(client.get(EVENTS, {"q": "192.0.2.10"})) == [events["hospital"].pk]
    assert _ids(client.get(EVENTS, {"q": "2001:db8::/112"})) == [events["unattributed"].pk]
    assert _ids(client.get(EVENTS, {"constituent": personas.orgs.other_hospital.pk})) == [
        events["other"].pk
    ]
    assert _ids(client.get(EVENTS, {"severity": 3})) == [events["hospital"].pk]
    assert _ids(client.get(EVENTS, {"classification_type": "c2-server"})) == []
    day = BASE_TIME.date().isoformat()
    assert len(_ids(client.get(EVENTS, {"time_from": day, "time_to": day}))) == 3


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"q": "192.0.2.300"}, "q"),
        ({"q": "192.0.2.0/33"}, "q"),
        ({"time_from": "2025-03-02", "time_to": "2025-03-01"}, "time_to"),
        ({"time_from": "0001-01-01"}, "time_from"),
        ({"severity": 9}, "severity"),
        ({"classification_type": "not-a-type"}, "classification_type"),
    ],
)
def test_bad_filters_are_problems_naming_the_field(personas, events, query, field):
    response = api_client_for(personas.cert_analyst).get(EVENTS, query)
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_a_wide_network_is_a_problem_on_sqlite_only(personas, events):
    response = api_client_for(personas.cert_analyst).get(EVENTS, {"q": "192.0.0.0/8"})
    if connection.vendor == "postgresql":
        assert _ids(response) == [events["hospital"].pk]
    else:
        assert response.status_code == 422
        assert "too wide" in response.json()["errors"][0]["message"]


def test_pages_link_to_their_neighbours_and_never_count(personas):
    for minute in range(5):
        make_event(personas.orgs.hospital, time_observation=BASE_TIME + timedelta(minutes=minute))
    client = api_client_for(personas.constituent_reporter)
    first = client.get(EVENTS, {"limit": 2, "severity": 2}).json()
    assert "count" not in first
    assert len(first["results"]) == 2 and first["previous"] is None
    assert "offset=2" in first["next"] and "severity=2" in first["next"]
    last = client.get(EVENTS, {"limit": 2, "offset": 4}).json()
    assert len(last["results"]) == 1 and last["next"] is None
    assert "offset=2" in last["previous"]
    exact = client.get(EVENTS, {"limit": 5}).json()
    assert len(exact["results"]) == 5 and exact["next"] is None  # no empty page after a full one


def test_the_export_answers_json_lines_for_the_cert_only(personas, events):
    response = api_client_for(personas.cert_analyst).get(f"{EVENTS}/export", {"q": "192.0.2.0/24"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in response.getvalue().splitlines()]
    assert lines == [
        {
            "feed.name": "Shadowserver Open RDP",
            "feed.provider": "Shadowserver",
            "time.observation": "2025-03-01T08:02:00+00:00",
            "classification.taxonomy": "vulnerable",
            "classification.type": "vulnerable-system",
            "source.ip": "192.0.2.10",
            "source.port": 3389,
            "extra.tag": "rdp",
            "extra.naics": 622110,
        }
    ]
    entry = AuditEntry.objects.filter(action="export").latest("seq")
    assert entry.changes["filters"] == {"format": "intelmq-jsonl", "q": "192.0.2.0/24"}
    for persona in ("auditor", "constituent_admin"):
        refused = api_client_for(personas.by_name(persona)).get(f"{EVENTS}/export")
        assert refused.status_code == 403


def test_the_export_refuses_bad_filters_before_streaming(personas, events):
    response = api_client_for(personas.cert_admin).get(f"{EVENTS}/export", {"q": "10.0.0.1/99"})
    assert response.status_code == 422
    assert not AuditEntry.objects.filter(action="export").exists()


def test_the_openapi_document_describes_the_operations(client):
    document = client.get("/api/v1/openapi.json").json()
    listing = document["paths"]["/api/v1/events"]["get"]
    assert listing["operationId"] == "events_list" and listing["tags"] == ["events"]
    page = listing["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][page.rsplit("/", 1)[1]]
    assert "count" not in schema["properties"]
    assert document["paths"]["/api/v1/events/{id}"]["get"]["operationId"] == "events_detail"
    exported = document["paths"]["/api/v1/events/export"]["get"]
    assert exported["operationId"] == "events_export"
    assert "application/x-ndjson" in exported["responses"]["200"]["content"]
