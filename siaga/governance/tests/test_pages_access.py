"""Who may open each governance page; forms save only valid input."""

from __future__ import annotations

import pytest
from django.urls import reverse

from siaga.core.testing import login
from siaga.governance import actions
from siaga.governance.models import Representative
from siaga.governance.tests.conftest import (
    make_action,
    make_meeting,
    make_rep,
    make_shift,
    submitted_version,
)

pytestmark = pytest.mark.django_db

GROUP = {"cert_admin", "cert_lead", "cert_analyst", "coord_member", "auditor"}
SECRETARIAT = {"cert_admin", "cert_lead", "cert_analyst"}
LEADS = {"cert_admin", "cert_lead"}
EVERYONE = {
    "cert_admin",
    "cert_lead",
    "cert_analyst",
    "coord_member",
    "constituent_admin",
    "constituent_reporter",
    "other_reporter",
    "auditor",
    "outsider",
}


@pytest.fixture
def world(personas):
    lead = personas.cert_lead
    meeting = make_meeting(lead)
    exercise = actions.check_save_exercise(
        lead,
        {
            "kind": "tabletop",
            "title": "Drill",
            "held_on": meeting.starts_at.date(),
            "status": "planned",
            "scenario_id": "",
            "scenario_en": "",
            "participants": [],
        },
    )
    shift = make_shift(lead, meeting.starts_at)
    return {
        "meeting": meeting.pk,
        "exercise": exercise.pk,
        "version": submitted_version(lead).pk,
        "rep": make_rep(personas.orgs.agency).pk,
        "action": make_action(lead, personas.constituent_admin).pk,
        "shift": shift.pk,
    }


PAGES = [
    ("governance:group", [], GROUP),
    ("governance:directory", [], GROUP),
    ("governance:representative-add", [], LEADS | {"coord_member"}),
    ("governance:representative-edit", ["rep"], LEADS | {"coord_member"}),
    ("governance:terms", [], GROUP),
    ("governance:terms-version", ["version"], GROUP),
    ("governance:meetings", [], GROUP),
    ("governance:meeting-detail", ["meeting"], GROUP),
    ("governance:meeting-add", [], SECRETARIAT),
    ("governance:meeting-edit", ["meeting"], SECRETARIAT),
    ("governance:meeting-attendance", ["meeting"], SECRETARIAT),
    ("governance:actions", [], EVERYONE),
    ("governance:action-detail", ["action"], GROUP | {"constituent_admin"}),
    ("governance:action-add", [], SECRETARIAT),
    ("governance:action-edit", ["action"], SECRETARIAT),
    ("governance:oncall", [], GROUP),
    ("governance:shift-add", [], LEADS),
    ("governance:shift-edit", ["shift"], LEADS),
    ("governance:exercises", [], GROUP),
    ("governance:exercise-detail", ["exercise"], GROUP),
    ("governance:exercise-add", [], SECRETARIAT),
    ("governance:exercise-edit", ["exercise"], SECRETARIAT),
]


@pytest.mark.parametrize(("name", "args", "allowed"), PAGES, ids=[p[0] for p in PAGES])
def test_page_access(client, personas, world, name, args, allowed):
    url = reverse(name, args=[world[a] for a in args])
    assert client.get(url).status_code == 302  # anonymous: to the sign-in page
    for persona in sorted(EVERYONE):
        login(client, personas.by_name(persona))
        status = client.get(url).status_code
        expected = 200 if persona in allowed else (403, 404)
        assert status == expected if persona in allowed else status in expected, (persona, status)


def test_terms_draft_page_is_for_leads_only(client, personas):
    for persona, expected in (("cert_lead", 200), ("cert_analyst", 403), ("coord_member", 403)):
        login(client, personas.by_name(persona))
        assert client.get(reverse("governance:terms-draft")).status_code == expected


def test_a_member_manages_only_its_own_agencys_representatives(client, personas):
    login(client, personas.coord_member)
    data = {
        "organization": personas.orgs.cert.pk,
        "name": "Intruder",
        "role": "principal",
        "active_from": "2026-01-01",
    }
    response = client.post(reverse("governance:representative-add"), data)
    assert response.status_code == 200 and not Representative.objects.exists()
    data["organization"] = personas.orgs.agency.pk
    assert client.post(reverse("governance:representative-add"), data).status_code == 302
    assert Representative.objects.get().organization == personas.orgs.agency
    cert_rep = make_rep(personas.orgs.cert, name="CERT person")
    assert (
        client.get(reverse("governance:representative-edit", args=[cert_rep.pk])).status_code == 404
    )


def test_a_representative_needs_a_name_or_user_and_sane_dates(client, personas):
    login(client, personas.cert_lead)
    url = reverse("governance:representative-add")
    base = {
        "organization": personas.orgs.agency.pk,
        "role": "principal",
        "active_from": "2026-02-01",
    }
    response = client.post(url, base)
    assert b"Choose a user or enter the person" in response.content
    response = client.post(url, {**base, "name": "Joko", "active_until": "2026-01-01"})
    assert b"The end date is before the start date." in response.content
    assert not Representative.objects.exists()


def test_a_meeting_form_with_bad_input_saves_nothing(client, personas):
    login(client, personas.cert_lead)
    url = reverse("governance:meeting-add")
    response = client.post(
        url, {"title": "", "kind": "regular", "starts_at": "yesterday", "agenda": "A\nB"}
    )
    assert response.status_code == 200
    assert b"This field is required." in response.content
    response = client.post(
        url,
        {
            "title": "Q1",
            "kind": "regular",
            "starts_at": "2026-03-02T09:00",
            "ends_at": "2026-03-02T08:00",
            "agenda": "A",
        },
    )
    assert b"The meeting must end after it starts." in response.content
    from siaga.governance.models import Meeting

    assert not Meeting.objects.exists()
    response = client.post(
        url,
        {
            "title": "Q1",
            "kind": "regular",
            "starts_at": "2026-03-02T09:00",
            "agenda": "Threats\nExercise",
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and meeting.agenda_items.count() == 2


def test_shift_form_refuses_an_end_before_the_start(client, personas):
    login(client, personas.cert_lead)
    data = {
        "user": personas.cert_analyst.pk,
        "starts_at": "2026-03-02T20:00",
        "ends_at": "2026-03-02T08:00",
        "level": 1,
    }
    response = client.post(reverse("governance:shift-add"), data)
    assert b"The shift must end after it starts." in response.content
    from siaga.governance.models import OnCallShift

    assert not OnCallShift.objects.exists()


def test_shift_times_are_read_in_the_users_zone(client, personas):
    personas.cert_lead.time_zone = "Asia/Jayapura"
    personas.cert_lead.save()
    login(client, personas.cert_lead)
    data = {
        "user": personas.cert_analyst.pk,
        "starts_at": "2026-03-02T09:00",
        "ends_at": "2026-03-02T21:00",
        "level": 1,
    }
    assert client.post(reverse("governance:shift-add"), data).status_code == 302
    from siaga.governance.models import OnCallShift

    shift = OnCallShift.objects.get()
    assert shift.starts_at.isoformat() == "2026-03-02T00:00:00+00:00"


def test_the_owner_updates_the_status_from_the_page(client, personas, world):
    login(client, personas.constituent_admin)
    url = reverse("governance:action-status", args=[world["action"]])
    assert client.post(url, {"status": "bogus"}).status_code == 302
    assert client.post(url, {"status": "done"}).status_code == 302
    page = client.get(reverse("governance:action-detail", args=[world["action"]]))
    assert b"Done" in page.content
    login(client, personas.other_reporter)
    assert client.post(url, {"status": "open"}).status_code == 404


def test_oncall_page_shows_the_chain_and_the_gaps(client, personas):
    from datetime import timedelta

    from django.utils import timezone

    make_shift(personas.cert_analyst, timezone.now() - timedelta(hours=1), hours=6)
    login(client, personas.coord_member)
    page = client.get(reverse("governance:oncall")).content.decode()
    assert "Analyst" in page and "Nobody on call" in page
    assert page.count('class="gap"') == 3  # level 1 after the shift, levels 2 and 3 throughout
