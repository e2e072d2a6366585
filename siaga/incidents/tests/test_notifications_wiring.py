"""Who hears of reports, assignments and status changes, by e-mail and webhook."""

from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from siaga.constituents.models import Contact
from siaga.incidents.actions import (
    check_assign,
    check_transition,
    check_triage_report,
    check_update_incident,
    submit_public_report,
)
from siaga.notifications.models import Delivery, Webhook
from siaga.notifications.signing import generate_secret
from siaga.notifications.tasks import send_delivery_task


@pytest.fixture
def send_inline(django_capture_on_commit_callbacks):
    def run(ids):
        for delivery_id in ids:
            send_delivery_task.apply(args=(delivery_id,))

    with mock.patch("siaga.notifications.actions.dispatch", side_effect=run):
        yield


def webhook(organization, kinds):
    hook = Webhook(
        organization=organization, name="SIEM", url="https://siem.example/hook", event_kinds=kinds
    )
    hook.set_secret(generate_secret())
    hook.save()
    return hook


def emailed(kind):
    return set(
        Delivery.objects.filter(event_kind=kind, channel="email").values_list("address", flat=True)
    )


def hooked(kind):
    return set(
        Delivery.objects.filter(event_kind=kind, channel="webhook").values_list(
            "webhook__organization__name", flat=True
        )
    )


def test_a_report_notifies_the_duty_staff_not_the_reporter(
    personas, make_report, send_inline, django_capture_on_commit_callbacks
):
    webhook(personas.orgs.hospital, ["report_received"])
    webhook(personas.orgs.other_hospital, ["report_received"])
    with django_capture_on_commit_callbacks(execute=True):
        report = make_report()
    assert emailed("report_received") == {personas.cert_lead.email, personas.cert_analyst.email}
    assert hooked("report_received") == {"Test Hospital"}
    payload = Delivery.objects.get(channel="webhook").payload
    assert payload["tracking_id"] == report.tracking_id
    assert "reporter_email" not in payload
    # The reporter's own mail is the acknowledgement, not the staff notice.
    to_reporter = [m for m in mail.outbox if personas.constituent_reporter.email in m.to]
    assert len(to_reporter) == 1
    assert report.tracking_id in to_reporter[0].subject


def test_a_public_report_notifies_the_duty_staff(personas, send_inline):
    submit_public_report(
        {"title": "Data for sale", "description": "Seen on a forum", "reporter_email": "a@b.test"},
        raw={},
        client_address="192.0.2.1",
    )
    assert emailed("report_received") == {personas.cert_lead.email, personas.cert_analyst.email}


def test_staff_filing_a_report_are_not_told_of_their_own(personas, make_report):
    make_report(user=personas.cert_analyst)
    assert emailed("report_received") == {personas.cert_lead.email}


def test_an_assignment_tells_the_new_assignee(personas, make_incident, send_inline):
    incident = make_incident(affected_constituents=[personas.orgs.hospital])
    webhook(personas.orgs.hospital, ["incident_assigned"])
    webhook(personas.orgs.cert, ["incident_assigned"])
    check_assign(personas.cert_lead, incident, personas.cert_analyst.pk)
    assert emailed("incident_assigned") == {personas.cert_analyst.email}
    assert hooked("incident_assigned") == {"Test Hospital", "Test CERT"}
    # The same assignee again, or nobody: no new mail.
    check_assign(personas.cert_lead, incident, personas.cert_analyst.pk)
    check_assign(personas.cert_lead, incident, None)
    assert Delivery.objects.filter(event_kind="incident_assigned", channel="email").count() == 1


def test_taking_an_incident_yourself_sends_no_mail(personas, make_incident):
    incident = make_incident()
    check_assign(personas.cert_analyst, incident, personas.cert_analyst.pk)
    assert emailed("incident_assigned") == set()


def test_a_status_change_tells_assignee_reporters_and_contacts(
    personas, make_report, send_inline, django_capture_on_commit_callbacks
):
    hospital = personas.orgs.hospital
    Contact.objects.create(
        organization=hospital,
        name="CISO",
        role="security_officer",
        email="ciso@hospital.test",
        notification_kinds=["incidents"],
    )
    Contact.objects.create(
        organization=hospital, name="Director", role="director", email="dir@hospital.test"
    )
    webhook(hospital, ["incident_status_changed"])
    report = make_report()
    incident = check_triage_report(personas.cert_analyst, report, "new_incident").incident
    check_assign(personas.cert_lead, incident, personas.cert_lead.pk)
    Delivery.objects.all().delete()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        check_transition(personas.cert_analyst, incident, "analysis")
    assert emailed("incident_status_changed") == {
        personas.cert_lead.email,
        personas.constituent_reporter.email,
        "ciso@hospital.test",
    }
    assert hooked("incident_status_changed") == {"Test Hospital"}
    english = [m for m in mail.outbox if m.to == [personas.cert_lead.email]]
    assert english and incident.reference in english[0].body


def test_the_one_who_changed_the_status_is_not_told(personas, make_incident):
    incident = make_incident()
    check_assign(personas.cert_lead, incident, personas.cert_analyst.pk)
    check_transition(personas.cert_analyst, incident, "analysis")
    assert emailed("incident_status_changed") == set()


def test_a_reporter_who_can_no_longer_see_the_incident_is_not_told(
    personas, make_report, make_incident
):
    report = make_report()
    incident = check_triage_report(personas.cert_analyst, report, "new_incident").incident
    check_update_incident(personas.cert_analyst, incident, {"affected_constituents": []})
    check_transition(personas.cert_lead, incident, "analysis")
    assert personas.constituent_reporter.email not in emailed("incident_status_changed")


def test_a_rolled_back_change_notifies_no_one(personas, make_incident):
    incident = make_incident()
    with pytest.raises(ValidationError):
        check_transition(personas.cert_analyst, incident, "recovery")  # not allowed from new
    assert not Delivery.objects.filter(event_kind="incident_status_changed").exists()
