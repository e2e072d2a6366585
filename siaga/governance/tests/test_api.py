"""The governance API: meetings, action items (the owner updates the status), on call now."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from siaga.core.testing import api_client_for
from siaga.governance import actions
from siaga.governance.choices import ActionStatus
from siaga.governance.tests.conftest import make_action, make_meeting, make_rep, make_shift

pytestmark = pytest.mark.django_db

BASE = "/api/v1/governance"
READERS = ["cert_admin", "cert_lead", "cert_analyst", "coord_member", "auditor"]
REFUSED = ["constituent_admin", "constituent_reporter", "other_reporter", "outsider"]


@pytest.fixture
def meeting(personas):
    meeting = make_meeting(personas.cert_lead)
    actions.check_add_decision(personas.cert_lead, meeting, {"text_en": "Exercise next month"})
    rep = make_rep(personas.orgs.agency)
    actions.check_record_attendance(personas.cert_lead, meeting, {rep.pk: "present"})
    return meeting


@pytest.mark.parametrize("name", READERS)
def test_readers_get_meetings(personas, meeting, name):
    client = api_client_for(personas.by_name(name), "read")
    listing = client.get(f"{BASE}/meetings").json()
    assert [m["id"] for m in listing["results"]] == [meeting.pk]
    detail = client.get(f"{BASE}/meetings/{meeting.pk}").json()
    assert [a["title"] for a in detail["agenda"]] == ["Threats", "Exercise"]
    assert detail["decisions"][0]["number"] == 1
    assert detail["attendance"][0]["status"] == "present"


@pytest.mark.parametrize("name", REFUSED)
def test_others_do_not(personas, meeting, name):
    client = api_client_for(personas.by_name(name), "read")
    assert client.get(f"{BASE}/meetings").status_code == 403
    assert client.get(f"{BASE}/meetings/{meeting.pk}").status_code == 404
    assert client.get(f"{BASE}/on-call/now").status_code == 403


def test_the_owner_updates_the_status(personas):
    item = make_action(personas.cert_lead, personas.constituent_admin)
    owner = api_client_for(personas.constituent_admin)
    assert [i["id"] for i in owner.get(f"{BASE}/action-items?open=true").json()["results"]] == [
        item.pk
    ]
    response = owner.patch(
        f"{BASE}/action-items/{item.pk}", {"status": "done"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["status"] == "done"
    assert owner.get(f"{BASE}/action-items?open=true").json()["count"] == 0
    bad = owner.patch(
        f"{BASE}/action-items/{item.pk}", {"status": "finished"}, content_type="application/json"
    )
    assert bad.status_code == 422
    stranger = api_client_for(personas.other_reporter)
    assert stranger.get(f"{BASE}/action-items").json()["count"] == 0
    refused = stranger.patch(
        f"{BASE}/action-items/{item.pk}", {"status": "open"}, content_type="application/json"
    )
    assert refused.status_code == 404
    member = api_client_for(personas.coord_member)
    assert member.get(f"{BASE}/action-items/{item.pk}").status_code == 200
    assert (
        member.patch(
            f"{BASE}/action-items/{item.pk}", {"status": "open"}, content_type="application/json"
        ).status_code
        == 404
    )
    item.refresh_from_db()
    assert item.status == ActionStatus.DONE


def test_a_read_only_token_cannot_update(personas):
    item = make_action(personas.cert_lead, personas.constituent_admin)
    client = api_client_for(personas.constituent_admin, "read")
    response = client.patch(
        f"{BASE}/action-items/{item.pk}", {"status": "done"}, content_type="application/json"
    )
    assert response.status_code == 403


def test_on_call_now(personas):
    now = timezone.now()
    make_shift(personas.cert_analyst, now - timedelta(hours=2), hours=4)
    make_shift(personas.cert_lead, now - timedelta(hours=2), hours=24, level=2)
    make_shift(personas.cert_admin, now + timedelta(hours=2), hours=4)
    body = api_client_for(personas.coord_member, "read").get(f"{BASE}/on-call/now").json()
    assert [(lv["level"], [p["email"] for p in lv["on_call"]]) for lv in body["levels"]] == [
        (1, ["analyst@cert.test"]),
        (2, ["lead@cert.test"]),
        (3, []),
    ]
