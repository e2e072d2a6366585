"""incidents:list: scope per persona, every filter, paging and a constant number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from siaga.core.testing import login
from siaga.incidents.actions import check_assign


def listed(client, **params):
    response = client.get(reverse("incidents:list"), params)
    assert response.status_code == 200
    return {incident.title for incident in response.context["page"].object_list}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("cert_analyst", {"hospital", "internal"}),
        ("auditor", {"hospital", "internal"}),
        ("constituent_reporter", {"hospital"}),
        ("other_reporter", set()),
        ("coord_member", set()),
        ("outsider", set()),
    ],
)
def test_each_persona_sees_its_scope(client, personas, make_incident, persona, expected):
    make_incident(title="hospital", affected_constituents=[personas.orgs.hospital])
    make_incident(title="internal")
    login(client, personas.by_name(persona))
    assert listed(client) == expected


def test_anonymous_is_sent_to_sign_in(client, db):
    assert client.get(reverse("incidents:list")).status_code == 302


def test_every_filter(client, personas, make_incident):
    orgs = personas.orgs
    first = make_incident(
        title="Ransomware PACS",
        description="lock3",
        rsit_class="malicious-code",
        rsit_type="infected-system",
        health_tags=["ransomware"],
        patient_safety=3,
        tlp="red",
        affected_constituents=[orgs.hospital],
    )
    make_incident(title="Phishing", rsit_class="fraud", rsit_type="phishing", tlp="green")
    check_assign(personas.cert_lead, first, personas.cert_analyst.pk)
    login(client, personas.cert_analyst)
    ransomware = {"Ransomware PACS"}
    assert listed(client, priority="P1") == ransomware
    assert listed(client, rsit_class="malicious-code") == ransomware
    assert listed(client, rsit_type="phishing") == {"Phishing"}
    assert listed(client, tlp="red") == ransomware
    assert listed(client, health_tag="ransomware") == ransomware
    assert listed(client, health_tag="medical_device") == set()
    assert listed(client, assignee=personas.cert_analyst.pk) == ransomware
    assert listed(client, affected_constituent=orgs.hospital.pk) == ransomware
    assert listed(client, q="LOCK3") == ransomware
    assert listed(client, q=first.reference) == ransomware
    assert listed(client, status="new") == {"Ransomware PACS", "Phishing"}
    assert listed(client, status="closed") == set()


def test_a_bad_filter_value_is_shown_not_fatal(client, personas):
    login(client, personas.cert_analyst)
    response = client.get(reverse("incidents:list"), {"tlp": "purple"})
    assert response.status_code == 200
    assert response.context["filters"].errors["tlp"]


def test_the_number_of_queries_does_not_grow_with_rows(
    client, personas, make_incident, django_assert_max_num_queries
):
    make_incident(affected_constituents=[personas.orgs.hospital])
    login(client, personas.cert_analyst)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("incidents:list"))
    for number in range(30):
        incident = make_incident(
            title=f"Incident {number}",
            affected_constituents=[personas.orgs.hospital, personas.orgs.other_hospital],
        )
        check_assign(personas.cert_lead, incident, personas.cert_analyst.pk)
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse("incidents:list"))
    assert len(response.context["page"].object_list) == 25
    assert 'rel="next"' in response.content.decode()
