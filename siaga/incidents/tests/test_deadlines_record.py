"""Recording a legal notice as sent or as not required: once, by those who answer for it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from siaga.core.testing import login
from siaga.incidents.actions.deadlines import check_record_notice_sent, check_waive_clock
from siaga.incidents.choices import ClockStatus
from siaga.incidents.models import LegalClock


@pytest.fixture
def clock(personas, make_incident):
    incident = make_incident(
        personal_data_involved=True, affected_constituents=[personas.orgs.hospital]
    )
    return LegalClock.objects.get(incident=incident)


def test_recorded_as_sent_once(personas, clock):
    recorded = check_record_notice_sent(
        personas.constituent_admin, clock, " lembaga-pdp@pdp.example ", "by registered mail"
    )
    assert recorded.status == ClockStatus.SENT
    assert recorded.sent_to == "lembaga-pdp@pdp.example"
    assert recorded.sent_by == personas.constituent_admin
    assert recorded.sent_at is not None
    with pytest.raises(ValidationError):
        check_record_notice_sent(personas.cert_analyst, clock, "again")
    with pytest.raises(ValidationError):
        check_waive_clock(personas.cert_analyst, clock, "no")


def test_waived_with_a_reason_once(personas, clock):
    with pytest.raises(ValidationError) as error:
        check_waive_clock(personas.cert_lead, clock, "  ")
    assert "note" in error.value.message_dict
    waived = check_waive_clock(personas.cert_lead, clock, "Encrypted data only.")
    assert (waived.status, waived.note) == (ClockStatus.WAIVED, "Encrypted data only.")
    with pytest.raises(ValidationError):
        check_waive_clock(personas.cert_lead, clock, "again")


def test_sent_needs_a_recipient(personas, clock):
    with pytest.raises(ValidationError) as error:
        check_record_notice_sent(personas.cert_analyst, clock, "")
    assert "sent_to" in error.value.message_dict


@pytest.mark.parametrize(
    "persona", ["constituent_reporter", "auditor", "other_reporter", "coord_member", "outsider"]
)
def test_others_may_not_record(personas, clock, persona):
    with pytest.raises(PermissionDenied):
        check_record_notice_sent(personas.by_name(persona), clock, "someone")


def test_an_organization_it_was_only_shared_with_may_not_record(personas, make_incident):
    incident = make_incident(personal_data_involved=True, shared_with=[personas.orgs.hospital])
    clock = LegalClock.objects.get(incident=incident)
    with pytest.raises(PermissionDenied):
        check_record_notice_sent(personas.constituent_admin, clock, "someone")


def test_page_records_sent_and_returns_to_the_incident(client, personas, clock):
    login(client, personas.constituent_admin)
    response = client.post(
        reverse("incidents:clock-sent", args=[clock.pk]), {"sent_to": "Lembaga PDP", "note": ""}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("incidents:detail", args=[clock.incident_id])
    clock.refresh_from_db()
    assert clock.status == ClockStatus.SENT
    again = client.post(
        reverse("incidents:clock-sent", args=[clock.pk]), {"sent_to": "Lembaga PDP"}
    )
    assert again.status_code == 400
    assert "no longer running" in again.content.decode()


def test_page_waive_needs_a_reason(client, personas, clock):
    login(client, personas.cert_analyst)
    response = client.post(reverse("incidents:clock-waive", args=[clock.pk]), {"note": ""})
    assert response.status_code == 400
    assert response.context["form"].errors["note"]
    response = client.post(
        reverse("incidents:clock-waive", args=[clock.pk]), {"note": "Test data only."}
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("persona", "status"),
    [("constituent_reporter", 403), ("auditor", 403), ("other_reporter", 404), ("outsider", 404)],
)
def test_page_refuses_others(client, personas, clock, persona, status):
    login(client, personas.by_name(persona))
    for name, data in (("clock-sent", {"sent_to": "x"}), ("clock-waive", {"note": "x"})):
        assert (
            client.post(reverse(f"incidents:{name}", args=[clock.pk]), data).status_code == status
        )
    clock.refresh_from_db()
    assert clock.status == ClockStatus.RUNNING


def test_get_is_not_allowed(client, personas, clock):
    login(client, personas.cert_analyst)
    assert client.get(reverse("incidents:clock-sent", args=[clock.pk])).status_code == 405


def test_incident_page_shows_clocks_slas_and_forms(client, personas, clock):
    login(client, personas.constituent_admin)
    response = client.get(reverse("incidents:detail", args=[clock.incident_id]))
    body = response.content.decode()
    assert "Personal-data breach notice (3 x 24 hours)" in body
    assert "Law 27/2022 on Personal Data Protection, Article 46" in body
    assert reverse("incidents:clock-sent", args=[clock.pk]) in body
    assert "Notice draft (Bahasa Indonesia)" in body
    assert 'data-sla-state="running"' in body
    assert "Acknowledge" in body
    # A reporter sees the clock but not the forms.
    login(client, personas.constituent_reporter)
    body = client.get(reverse("incidents:detail", args=[clock.incident_id])).content.decode()
    assert "Personal-data breach notice (3 x 24 hours)" in body
    assert reverse("incidents:clock-sent", args=[clock.pk]) not in body


def test_time_left_is_rendered_without_javascript(client, personas, clock):
    LegalClock.objects.filter(pk=clock.pk).update(due_at=clock.started_at, warn_at=clock.started_at)
    login(client, personas.cert_analyst)
    body = client.get(reverse("incidents:detail", args=[clock.incident_id])).content.decode()
    assert "overdue by" in body
    assert "badge-danger" in body
