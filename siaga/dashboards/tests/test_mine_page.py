"""A constituent's dashboard page: its own figures only, the organization picker, refusals."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse

from siaga.accounts.roles import Role
from siaga.core.testing import login
from siaga.dashboards.tests.conftest import at, rollup
from siaga.organizations.models import Membership

pytestmark = pytest.mark.django_db
URL = reverse("dashboards:mine")
MAY = {"from": "2026-05-01", "to": "2026-05-31"}


@pytest.mark.parametrize("name", ["constituent_admin", "constituent_reporter", "other_reporter"])
def test_members_of_a_constituent_see_it(client, personas, name):
    response = login(client, personas.by_name(name)).get(URL)
    assert response.status_code == 200
    assert b"panel-findings_by_severity" in response.content


@pytest.mark.parametrize("name", ["cert_analyst", "coord_member", "auditor", "outsider"])
def test_others_are_refused(client, personas, name):
    assert login(client, personas.by_name(name)).get(URL).status_code == 403


def test_only_its_own_incidents_and_events(client, personas, orgs, make_incident):
    make_incident(at(3), affected=[orgs.hospital], rsit_class="fraud", rsit_type="phishing")
    make_incident(
        at(4), affected=[orgs.other_hospital], rsit_class="availability", rsit_type="ddos"
    )
    rollup(date(2026, 5, 3), orgs.hospital, n=5, classification_type="scanner")
    rollup(date(2026, 5, 3), orgs.other_hospital, n=9, classification_type="brute-force")
    page = login(client, personas.constituent_reporter).get(URL, MAY).content.decode()
    assert '<dd id="incidents-created">1</dd>' in page
    assert "Phishing" in page and "Scanning" in page
    assert "Distributed denial of service" not in page and "Login attempts" not in page
    assert "Other Hospital" not in page


def test_picker_chooses_among_the_users_organizations(client, personas, orgs, make_incident):
    user = personas.constituent_reporter
    Membership.objects.create(
        user=user, organization=orgs.other_hospital, role=Role.CONSTITUENT_REPORTER
    )
    make_incident(
        at(4), affected=[orgs.other_hospital], rsit_class="availability", rsit_type="ddos"
    )
    login(client, user)
    response = client.get(URL, {**MAY, "organization": orgs.other_hospital.pk})
    page = response.content.decode()
    assert response.status_code == 200, re.findall("field-error.{0,200}", page)
    assert "Dashboard of Other Hospital" in page, re.findall("<h1>.{0,200}", page, re.S)
    assert "Distributed denial of service" in page
    assert 'name="organization"' in page
    assert client.get(URL, {"organization": orgs.cert.pk}).status_code == 400
    assert client.get(URL, {"organization": "x"}).status_code == 400


def test_bad_dates_are_a_clear_error(client, personas):
    response = login(client, personas.constituent_admin).get(
        URL, {"from": "2026-13-01", "to": "2026-05-01"}
    )
    assert response.status_code == 400
    assert b"Enter a valid date" in response.content
