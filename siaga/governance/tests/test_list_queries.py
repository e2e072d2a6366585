"""The lists of meetings and action items cost the same number of queries whatever their length."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from siaga.core.testing import login
from siaga.governance.tests.conftest import make_action, make_meeting


def _queries(client, name: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(name))
    assert response.status_code == 200
    return len(captured)


def test_the_lists_do_not_query_per_row(client, personas):
    lead = personas.cert_lead
    make_meeting(lead, title="Meeting 0")
    make_action(lead, personas.coord_member, title="Action 0")
    login(client, lead)
    before = {
        name: _queries(client, name) for name in ("governance:meetings", "governance:actions")
    }
    for number in range(1, 6):
        make_meeting(lead, title=f"Meeting {number}")
        owner = personas.cert_analyst if number % 2 else personas.coord_member
        make_action(lead, owner, title=f"Action {number}")
    after = {name: _queries(client, name) for name in before}
    assert after == before
