"""incidents:clocks: every running clock the user may see, soonest first, in constant queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from siaga.core.testing import login
from siaga.incidents.models import LegalClock


def listed(client):
    response = client.get(reverse("incidents:clocks"))
    assert response.status_code == 200
    return [row.clock.incident.title for row in response.context["page"].object_list]


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("cert_analyst", ["internal", "hospital"]),
        ("auditor", ["internal", "hospital"]),
        ("constituent_admin", ["hospital"]),
        ("constituent_reporter", ["hospital"]),
        ("other_reporter", []),
        ("outsider", []),
    ],
)
def test_scope_and_order(client, personas, make_incident, persona, expected):
    make_incident(
        title="hospital",
        personal_data_involved=True,
        affected_constituents=[personas.orgs.hospital],
    )
    internal = make_incident(title="internal", personal_data_involved=True)
    LegalClock.objects.filter(incident=internal).update(due_at=timezone.now() + timedelta(hours=1))
    make_incident(title="no clock")
    answered = make_incident(title="answered", personal_data_involved=True)
    LegalClock.objects.filter(incident=answered).update(status="sent")
    login(client, personas.by_name(persona))
    assert listed(client) == expected


def test_overdue_is_highlighted(client, personas, make_incident):
    incident = make_incident(
        personal_data_involved=True, affected_constituents=[personas.orgs.hospital]
    )
    LegalClock.objects.filter(incident=incident).update(due_at=timezone.now() - timedelta(hours=2))
    login(client, personas.cert_analyst)
    body = client.get(reverse("incidents:clocks")).content.decode()
    assert 'class="is-overdue"' in body
    assert "overdue by 2 h" in body
    assert "Test Hospital" in body
    assert incident.reference in body


def test_anonymous_is_sent_to_sign_in(client, db):
    assert client.get(reverse("incidents:clocks")).status_code == 302


def test_queries_do_not_grow_with_rows(
    client, personas, make_incident, django_assert_max_num_queries
):
    make_incident(personal_data_involved=True, affected_constituents=[personas.orgs.hospital])
    login(client, personas.cert_analyst)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("incidents:clocks"))
    for number in range(20):
        make_incident(
            title=f"Leak {number}",
            personal_data_involved=True,
            affected_constituents=[personas.orgs.hospital, personas.orgs.other_hospital],
        )
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse("incidents:clocks"))
    assert len(response.context["page"].object_list) == 21
