"""The incident list's filters and full-text search, on the page and in the API."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from siaga.core.testing import api_client_for, login
from siaga.incidents.choices import Visibility
from siaga.incidents.filters import filter_incidents
from siaga.incidents.models import Comment, Incident, LegalClock


def listed(client, **params):
    response = client.get(reverse("incidents:list"), params)
    assert response.status_code == 200
    return {incident.title for incident in response.context["page"].object_list}


def api_listed(user, **params):
    response = api_client_for(user).get("/api/v1/incidents", params)
    assert response.status_code == 200, response.content
    return {item["title"] for item in response.json()["results"]}


@pytest.fixture
def two(personas, make_incident):
    leak = make_incident(
        title="Leak",
        description="Rekam medis bocor",
        personal_data_involved=True,
        pap="red",
        detected_at=datetime(2026, 10, 1, 2, 0, tzinfo=UTC),
        affected_constituents=[personas.orgs.hospital],
    )
    ddos = make_incident(title="DDoS", description="Portal lumpuh", pap="green")
    return leak, ddos


def test_pap_personal_data_clock_and_dates(client, personas, two):
    leak, _ddos = two
    login(client, personas.cert_analyst)
    assert listed(client, pap="red") == {"Leak"}
    assert listed(client, personal_data="yes") == {"Leak"}
    assert listed(client, personal_data="no") == {"DDoS"}
    assert listed(client, running_clock="yes") == {"Leak"}
    assert listed(client, running_clock="no") == {"DDoS"}
    LegalClock.objects.filter(incident=leak).update(status="sent")
    assert listed(client, running_clock="yes") == set()
    assert listed(client, detected_from="2026-10-01", detected_to="2026-10-01") == {"Leak"}
    assert listed(client, detected_from="2026-10-02") == set()
    today = leak.created_at.astimezone(UTC).date()
    assert listed(client, created_from=today.isoformat()) == {"Leak", "DDoS"}
    assert listed(client, created_to=(today - timedelta(days=2)).isoformat()) == set()


def test_sla_breached_and_due_soon(personas, two):
    leak, ddos = two
    start = leak.reported_at
    visible = Incident.objects.all()
    breached = filter_incidents(visible, {"sla": "breached"}, now=start + timedelta(hours=25))
    assert {i.title for i in breached} == {"Leak", "DDoS"}
    Incident.objects.filter(pk=ddos.pk).update(acknowledged_at=start)
    breached = filter_incidents(visible, {"sla": "breached"}, now=start + timedelta(hours=25))
    assert {i.title for i in breached} == {"Leak"}
    soon = filter_incidents(visible, {"sla": "warning"}, now=start + timedelta(hours=19))
    assert {i.title for i in soon} == {"Leak"}
    assert not filter_incidents(visible, {"sla": "breached"}, now=start + timedelta(hours=1))


def test_search_finds_reference_title_description_and_comments(client, personas, two):
    leak, ddos = two
    Comment.objects.create(incident=ddos, body="Botnet Mirai terlihat", visibility="internal")
    login(client, personas.cert_analyst)
    assert listed(client, q="rekam") == {"Leak"}
    assert listed(client, q="PORTAL") == {"DDoS"}
    assert listed(client, q="mirai") == {"DDoS"}
    assert listed(client, q=leak.reference) == {"Leak"}
    assert listed(client, q=leak.reference[-6:]) == {"Leak"}


def test_search_never_reveals_internal_comments_to_a_constituent(client, personas, two):
    leak, _ddos = two
    Comment.objects.create(
        incident=leak, body="suspect insider Budi", visibility=Visibility.INTERNAL
    )
    Comment.objects.create(incident=leak, body="patch applied", visibility=Visibility.SHARED)
    login(client, personas.constituent_reporter)
    assert listed(client, q="Budi") == set()
    assert listed(client, q="patch") == {"Leak"}
    assert api_listed(personas.constituent_reporter, q="Budi") == set()
    assert api_listed(personas.cert_analyst, q="Budi") == {"Leak"}


def test_api_takes_the_same_filters(personas, two):
    analyst = personas.cert_analyst
    assert api_listed(analyst, pap="red") == {"Leak"}
    assert api_listed(analyst, personal_data="false") == {"DDoS"}
    assert api_listed(analyst, running_clock="true") == {"Leak"}
    assert api_listed(analyst, detected_from="2026-10-01") == {"Leak"}
    assert api_listed(analyst, q="portal") == {"DDoS"}
    bad = api_client_for(analyst).get("/api/v1/incidents", {"sla": "late", "created_from": "x"})
    assert bad.status_code == 422
    assert {error["field"] for error in bad.json()["errors"]} >= {"sla", "created_from"}


def test_bad_dates_are_shown_not_fatal(client, personas, two):
    login(client, personas.cert_analyst)
    response = client.get(reverse("incidents:list"), {"created_from": "yesterday"})
    assert response.status_code == 200
    assert response.context["filters"].errors["created_from"]
    assert len(response.context["page"].object_list) == 2
