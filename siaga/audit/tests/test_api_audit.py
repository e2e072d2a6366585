"""/api/v1/audit: the trail for administrators and auditors, filtered; nothing for anyone else."""

from datetime import timedelta

import pytest
from django.utils import timezone

from siaga.audit.actions import do_record_event
from siaga.audit.models import AuditEntry
from siaga.core.testing import api_client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(personas):
    """Entries by two actors on two objects (the personas' creation already wrote some)."""
    do_record_event("view", personas.orgs.hospital, actor=personas.cert_analyst)
    do_record_event(
        "export",
        object_type="organizations.organization",
        object_repr="3 rows",
        actor=personas.auditor,
    )
    return personas


@pytest.mark.parametrize("persona", ["cert_admin", "auditor"])
def test_administrators_and_auditors_read_the_trail_newest_first(trail, persona):
    client = api_client_for(trail.by_name(persona))
    do_record_event("login", trail.cert_lead, actor=trail.cert_lead)
    body = client.get("/api/v1/audit?limit=2").json()
    assert body["count"] == AuditEntry.objects.count()
    first, second = body["results"]
    assert first["seq"] > second["seq"]
    assert first["action"] == "login"
    assert first["actor_id"] == trail.cert_lead.pk
    assert len(first["entry_hash"]) == 64


@pytest.mark.parametrize("persona", ["cert_lead", "cert_analyst", "constituent_admin", "outsider"])
def test_others_may_not_read_the_trail(trail, persona):
    client = api_client_for(trail.by_name(persona))
    response = client.get("/api/v1/audit")
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/problem+json")
    entry = AuditEntry.objects.order_by("seq").first()
    assert client.get(f"/api/v1/audit/{entry.pk}").status_code == 404


def test_the_trail_filters(trail):
    client = api_client_for(trail.cert_admin)

    def seqs(query):
        return [entry["action"] for entry in client.get(f"/api/v1/audit?{query}").json()["results"]]

    assert seqs("action=export") == ["export"]
    assert seqs(f"actor_id={trail.cert_analyst.pk}") == ["view"]
    assert seqs(
        f"object_type=organizations.organization&object_id={trail.orgs.hospital.pk}&action=view"
    ) == ["view"]
    future = (timezone.now() + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    assert seqs(f"since={future}") == []
    assert len(seqs(f"until={future}&limit=500")) == AuditEntry.objects.count()


@pytest.mark.parametrize(
    "query", ["since=2025-01-01T00:00:00", "since=yesterday", "action=steal", "actor_id=0"]
)
def test_bad_filters_are_422(trail, query):
    response = api_client_for(trail.cert_admin).get(f"/api/v1/audit?{query}")
    assert response.status_code == 422


def test_one_entry(trail):
    entry = AuditEntry.objects.filter(action="view").get()
    body = api_client_for(trail.auditor).get(f"/api/v1/audit/{entry.pk}").json()
    assert body["seq"] == entry.seq
    assert body["actor_id"] == trail.cert_analyst.pk
    assert body["object_repr"] == "Test Hospital"
    assert body["prev_hash"] == entry.prev_hash
