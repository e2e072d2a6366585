"""The technique pick-list (page, suggestions, API), the id validator, and tagging incidents."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from siaga.attack.models import Technique
from siaga.attack.validation import parse_technique_ids, validate_technique_ids
from siaga.core.testing import Personas, api_client_for, login
from siaga.incidents.actions import check_create_incident, check_update_incident
from siaga.incidents.models import Incident

pytestmark = pytest.mark.django_db

MODIFIED = datetime(2025, 4, 15, tzinfo=UTC)


def make(attack_id: str, name: str, domain: str = "enterprise", **extra: Any) -> Technique:
    return Technique.objects.create(
        attack_id=attack_id,
        name=name,
        domain=domain,
        stix_id=f"attack-pattern--{attack_id}",
        modified=MODIFIED,
        url=f"https://attack.mitre.org/techniques/{attack_id.replace('.', '/')}",
        **extra,
    )


@pytest.fixture
def techniques(db: Any) -> list[Technique]:
    return [
        make("T1566", "Phishing", tactics=["initial-access"]),
        make(
            "T1566.001", "Spearphishing Attachment", is_subtechnique=True, parent_attack_id="T1566"
        ),
        make("T0803", "Block Command Message", "ics"),
        make("T1400", "Old mobile thing", "mobile", revoked=True),
    ]


# --- Validation ----------------------------------------------------------------------------------


def test_ids_are_normalized_and_repeats_dropped(techniques: list[Technique]) -> None:
    assert validate_technique_ids([" t1566.001", "T0803", "T1566.001"]) == ["T1566.001", "T0803"]
    assert parse_technique_ids("T1566, T0803;T1566.001  ") == ["T1566", "T0803", "T1566.001"]


def test_unknown_and_malformed_ids_are_named(techniques: list[Technique]) -> None:
    with pytest.raises(ValidationError, match=r"Unknown ATT&CK techniques: T9999, T1566\.999"):
        validate_technique_ids(["T1566", "T9999", "T1566.999"])
    with pytest.raises(ValidationError, match="Not an ATT&CK technique id: PHISHING"):
        validate_technique_ids(["phishing"])
    with pytest.raises(ValidationError, match="list"):
        validate_technique_ids("T1566")


@given(st.lists(st.one_of(st.text(max_size=12), st.integers(), st.none()), max_size=5))
def test_validator_never_fails_unexpectedly(values: list[Any]) -> None:
    messages: list[str] = []
    result: list[str] = []
    try:
        result = validate_technique_ids(values)
    except ValidationError as exc:
        messages = exc.messages
    assert result == [] or not messages  # nothing loaded here: only the empty list passes
    assert messages or values == [] or all(isinstance(v, str) and not v.strip() for v in values)


# --- Page and suggestions -----------------------------------------------------------------------


def test_list_page_searches_and_hides_retired(
    client: Client, personas: Personas, techniques: list[Technique]
) -> None:
    login(client, personas.other_reporter)
    page = client.get(reverse("attack:technique-list"), {"q": "phish"})
    assert page.status_code == 200
    assert b"Spearphishing Attachment" in page.content and b"Block Command" not in page.content
    assert b"Old mobile thing" not in client.get(reverse("attack:technique-list")).content
    retired = client.get(reverse("attack:technique-list"), {"retired": "on", "domain": "mobile"})
    assert b"Old mobile thing" in retired.content


def test_suggestions_follow_the_last_word(
    client: Client, personas: Personas, techniques: list[Technique]
) -> None:
    login(client, personas.cert_analyst)
    url = reverse("attack:technique-suggest")
    answer = client.get(url, {"attack_techniques": "T0803, spear"}).content.decode()
    assert "T1566.001" in answer and "T0803" not in answer
    assert "No technique matches" in client.get(url, {"q": "zzz"}).content.decode()
    assert client.get(url, {"q": "T0803,"}).content.strip() == b""


# --- API -----------------------------------------------------------------------------------------


def test_api_search_by_id_name_and_domain(personas: Personas, techniques: list[Technique]) -> None:
    api = api_client_for(personas.outsider)  # signed in, in no organization: reference data
    found = api.get("/api/v1/attack/techniques", {"q": "t1566"}).json()
    assert [t["attack_id"] for t in found["results"]] == ["T1566", "T1566.001"]
    ics = api.get("/api/v1/attack/techniques", {"domain": "ics"}).json()
    assert [t["attack_id"] for t in ics["results"]] == ["T0803"]
    everything = api.get("/api/v1/attack/techniques", {"include_retired": "true"}).json()
    assert everything["count"] == 4


def test_api_get_one(personas: Personas, techniques: list[Technique]) -> None:
    api = api_client_for(personas.constituent_reporter)
    body = api.get("/api/v1/attack/techniques/t1566.001").json()
    assert body["name"] == "Spearphishing Attachment" and body["parent_attack_id"] == "T1566"
    assert api.get("/api/v1/attack/techniques/T9999").status_code == 404
    assert api.get("/api/v1/attack/techniques/phishing").status_code == 422
    assert Client().get("/api/v1/attack/techniques").status_code == 401


# --- Tagging incidents ---------------------------------------------------------------------------


def test_incident_tagged_through_the_actions(
    personas: Personas, techniques: list[Technique]
) -> None:
    incident = check_create_incident(
        personas.cert_analyst, {"title": "Phish", "attack_techniques": ["t1566.001"]}
    )
    assert incident.attack_techniques == ["T1566.001"]
    with pytest.raises(ValidationError) as raised:
        check_update_incident(personas.cert_analyst, incident, {"attack_techniques": ["T9999"]})
    assert "T9999" in raised.value.message_dict["attack_techniques"][0]
    incident.refresh_from_db()
    assert incident.attack_techniques == ["T1566.001"]


def edit_form(incident: Incident, **changes: Any) -> dict[str, Any]:
    data = {
        "title": incident.title,
        "patient_safety": 0,
        "service_disruption": 0,
        "records_affected": 0,
        "spread": 0,
        "tlp": "amber",
        "pap": "amber",
    }
    data.update(changes)
    return data


def test_incident_tagged_through_the_form_and_shown(
    client: Client, personas: Personas, techniques: list[Technique]
) -> None:
    incident = check_create_incident(personas.cert_analyst, {"title": "Phish"})
    login(client, personas.cert_lead)
    url = reverse("incidents:edit", args=[incident.pk])
    form_page = client.get(url).content.decode()
    assert reverse("attack:technique-suggest") in form_page
    refused = client.post(url, edit_form(incident, attack_techniques="T1566, T4242"))
    assert refused.status_code == 200
    assert "Unknown ATT&amp;CK technique: T4242." in refused.content.decode()
    response = client.post(url, edit_form(incident, attack_techniques="t1566.001, T0803"))
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.attack_techniques == ["T1566.001", "T0803"]
    assert 'value="T1566.001, T0803"' in client.get(url).content.decode()
    detail = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert "Spearphishing Attachment" in detail and "Block Command Message" in detail
    assert reverse("attack:technique-list") in detail


def test_incident_tagged_through_the_api(personas: Personas, techniques: list[Technique]) -> None:
    api = api_client_for(personas.cert_analyst)
    created = api.post(
        "/api/v1/incidents",
        json.dumps({"title": "Phish", "attack_techniques": ["T1566"]}),
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["attack_techniques"] == ["T1566"]
    url = f"/api/v1/incidents/{created.json()['id']}"
    patched = api.patch(
        url, json.dumps({"attack_techniques": ["T0803", "t1566"]}), content_type="application/json"
    )
    assert patched.json()["attack_techniques"] == ["T0803", "T1566"]
    refused = api.patch(
        url, json.dumps({"attack_techniques": ["T1234"]}), content_type="application/json"
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "attack_techniques"
    assert "T1234" in refused.json()["errors"][0]["message"]
    assert api.get(url).json()["attack_techniques"] == ["T0803", "T1566"]
