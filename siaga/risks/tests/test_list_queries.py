"""The register's list page costs the same number of queries whatever the number of risks."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from siaga.core.testing import login


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("risks:list"))
    assert response.status_code == 200
    return len(captured)


def test_the_list_does_not_query_per_risk(client, personas, make_risk):
    make_risk(personas.orgs.hospital, title="Risk 0", owner=personas.constituent_admin.pk)
    login(client, personas.cert_analyst)
    one = _queries(client)
    for number in range(1, 8):
        organization = personas.orgs.other_hospital if number % 2 else personas.orgs.hospital
        make_risk(organization, title=f"Risk {number}")
    make_risk(title="A sector risk")
    assert _queries(client) == one
