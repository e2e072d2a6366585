"""The export page and the incident page's "Export as STIX" download."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from siaga.audit.models import AuditEntry
from siaga.core.testing import login
from siaga.sharing.choices import TLP, Distribution
from siaga.stix.exporter import STIX_CONTENT_TYPE
from siaga.stix.tests.test_export_objects import full_incident, make_indicator, validation_problems

# The urls of test_export_api: the app's pages with the export pages surely included.
pytestmark = [pytest.mark.django_db, pytest.mark.urls("siaga.stix.tests.test_export_api")]


def download(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == STIX_CONTENT_TYPE
    assert response["Content-Disposition"].startswith('attachment; filename="')
    assert response["Content-Disposition"].endswith('.json"')
    body = b"".join(response.streaming_content)
    document = json.loads(body)
    assert validation_problems(document) == []
    return document


def test_page_shows_the_form(client: Client, personas: Any) -> None:
    login(client, personas.constituent_admin)
    response = client.get(reverse("stix:export"))
    assert response.status_code == 200
    assert b"Export as STIX 2.1" in response.content
    assert b'name="what"' in response.content


@pytest.mark.parametrize("persona", ["constituent_reporter", "outsider"])
def test_page_refused_without_any_export_permission(
    client: Client, personas: Any, persona: str
) -> None:
    login(client, personas.by_name(persona))
    assert client.get(reverse("stix:export")).status_code == 403


def test_anonymous_is_sent_to_sign_in(client: Client) -> None:
    response = client.get(reverse("stix:export"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_download_indicators(client: Client, personas: Any) -> None:
    orgs = personas.orgs
    make_indicator(orgs.hospital, "ip", "192.0.2.10", tlp=TLP.AMBER, distribution="organization")
    make_indicator(
        orgs.other_hospital, "ip", "192.0.2.11", tlp=TLP.AMBER, distribution="organization"
    )
    make_indicator(orgs.agency, "domain", "evil.example", tlp=TLP.GREEN)
    login(client, personas.constituent_admin)
    document = download(client.get(reverse("stix:export"), {"what": "indicators", "type": "ip"}))
    names = {obj["name"] for obj in document["objects"] if obj["type"] == "indicator"}
    assert names == {"192.0.2.10"}
    assert AuditEntry.objects.filter(action="export", object_type="intel.indicator").exists()


def test_download_one_incident(client: Client, personas: Any) -> None:
    incident = full_incident(personas)
    login(client, personas.cert_lead)
    document = download(
        client.get(reverse("stix:export"), {"what": "incident", "incident": incident.pk})
    )
    assert any(obj["type"] == "incident" for obj in document["objects"])


def test_download_store_objects(client: Client, personas: Any) -> None:
    login(client, personas.coord_member)
    document = download(
        client.get(reverse("stix:export"), {"what": "objects", "stix_type": "indicator"})
    )
    assert document["objects"] == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"what": "incident"}, b"Enter the id of the incident to export."),
        ({"what": "objects", "stix_type": "Bad Type"}, b"Enter a STIX type such as"),
        ({"what": "indicators", "type": "bogus"}, b"Select a valid choice."),
        ({"what": "everything"}, b"Select a valid choice."),
    ],
)
def test_bad_choices_show_the_form_with_the_problem(
    client: Client, personas: Any, query: dict[str, str], message: bytes
) -> None:
    login(client, personas.cert_analyst)
    response = client.get(reverse("stix:export"), query)
    assert response.status_code == 400
    assert message in response.content


def test_choice_without_its_permission_is_refused(client: Client, personas: Any) -> None:
    # The hospital's admin may export indicators and store objects, but not incidents.
    incident = full_incident(personas)
    login(client, personas.constituent_admin)
    response = client.get(reverse("stix:export"), {"what": "incident", "incident": incident.pk})
    assert response.status_code == 403


def test_incident_button(client: Client, personas: Any) -> None:
    incident = full_incident(personas, tlp=TLP.RED)
    login(client, personas.auditor)
    document = download(client.get(reverse("stix:incident-export", args=[incident.pk])))
    assert {obj["type"] for obj in document["objects"]} >= {"incident", "observed-data"}
    entry = AuditEntry.objects.filter(action="export").latest("seq")
    assert entry.object_id == str(incident.pk)


@pytest.mark.parametrize(
    ("persona", "status"), [("other_reporter", 404), ("constituent_admin", 403)]
)
def test_incident_button_refused(client: Client, personas: Any, persona: str, status: int) -> None:
    incident = full_incident(personas)
    login(client, personas.by_name(persona))
    assert client.get(reverse("stix:incident-export", args=[incident.pk])).status_code == status


def test_sharing_group_indicator_reaches_members_only(client: Client, personas: Any) -> None:
    from siaga.sharing.models import SharingGroup, SharingGroupMember

    orgs = personas.orgs
    group = SharingGroup.objects.create(name="Jakarta hospitals", owner=orgs.cert)
    SharingGroupMember.objects.create(sharing_group=group, organization=orgs.hospital)
    make_indicator(
        orgs.cert,
        "domain",
        "group.example",
        tlp=TLP.AMBER,
        distribution=Distribution.SHARING_GROUP,
        sharing_group=group,
    )
    member, outsider = Client(), Client()
    login(member, personas.constituent_admin)
    login(outsider, personas.coord_member)
    url = reverse("stix:export")
    inside = download(member.get(url, {"what": "indicators"}))
    outside = download(outsider.get(url, {"what": "indicators"}))
    assert "group.example" in json.dumps(inside)
    assert "group.example" not in json.dumps(outside)
