"""The deadline scan: one e-mail per SLA breach and per clock warning, however often it runs."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from siaga.constituents.models import Contact
from siaga.incidents import tasks
from siaga.incidents.actions import check_assign
from siaga.incidents.actions.deadlines import scan_deadlines
from siaga.incidents.models import Incident, LegalClock, SlaAlert
from siaga.jobs.actions import check_start_job
from siaga.jobs.choices import JobStatus
from siaga.jobs.runner import execute_job
from siaga.notifications.models import Delivery
from siaga.notifications.tasks import send_delivery_task


@pytest.fixture
def send_inline(django_capture_on_commit_callbacks):
    """Deliveries are sent in this process as soon as the scan's transactions commit."""

    def run(ids):
        for delivery_id in ids:
            send_delivery_task.apply(args=(delivery_id,))

    with mock.patch("siaga.notifications.actions.dispatch", side_effect=run):
        yield


def scan(now, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return scan_deadlines(now)


def test_an_acknowledge_breach_is_mailed_once(
    personas, make_incident, send_inline, django_capture_on_commit_callbacks
):
    incident = make_incident(title="Ransomware")  # P4: acknowledge within 24 hours
    mail.outbox.clear()
    before = incident.reported_at + timedelta(hours=10)
    assert scan(before, django_capture_on_commit_callbacks) == {
        "clock_warnings": 0,
        "sla_alerts": 0,
    }
    late = incident.reported_at + timedelta(hours=25)
    assert scan(late, django_capture_on_commit_callbacks)["sla_alerts"] == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [personas.cert_lead.email]  # nobody assigned: the CERT's leads
    assert incident.reference in message.subject
    assert Delivery.objects.filter(event_kind="sla_breach").count() == 1
    assert scan(late + timedelta(minutes=1), django_capture_on_commit_callbacks)["sla_alerts"] == 0
    assert len(mail.outbox) == 1
    assert SlaAlert.objects.filter(incident=incident, milestone="acknowledge").count() == 1


def test_a_warning_then_a_breach_each_once(
    personas, make_incident, send_inline, django_capture_on_commit_callbacks
):
    incident = make_incident()
    check_assign(personas.cert_lead, incident, personas.cert_analyst.pk)
    mail.outbox.clear()
    scan(incident.reported_at + timedelta(hours=20), django_capture_on_commit_callbacks)
    scan(incident.reported_at + timedelta(hours=21), django_capture_on_commit_callbacks)
    scan(incident.reported_at + timedelta(hours=25), django_capture_on_commit_callbacks)
    kinds = list(Delivery.objects.order_by("pk").values_list("event_kind", "address"))
    assert [k for k in kinds if k[0].startswith("sla")] == [
        ("sla_warning", personas.cert_analyst.email),
        ("sla_breach", personas.cert_analyst.email),
    ]


def test_met_and_closed_incidents_are_not_alerted(
    personas, make_incident, send_inline, django_capture_on_commit_callbacks
):
    met = make_incident()
    Incident.objects.filter(pk=met.pk).update(acknowledged_at=met.reported_at)
    scan(met.reported_at + timedelta(hours=25), django_capture_on_commit_callbacks)
    assert not SlaAlert.objects.exists()


def test_a_clock_warning_goes_to_the_assignee_and_legal_contacts(
    personas, make_incident, send_inline, django_capture_on_commit_callbacks
):
    hospital = personas.orgs.hospital
    Contact.objects.create(
        organization=hospital,
        name="DPO",
        role="data_protection_officer",
        email="dpo@hospital.test",
        notification_kinds=["legal_notices"],
    )
    Contact.objects.create(
        organization=hospital,
        name="IT",
        role="it_lead",
        email="it@hospital.test",
        notification_kinds=["incidents"],
    )
    incident = make_incident(personal_data_involved=True, affected_constituents=[hospital])
    check_assign(personas.cert_lead, incident, personas.cert_analyst.pk)
    Incident.objects.filter(pk=incident.pk).update(acknowledged_at=incident.reported_at)
    clock = LegalClock.objects.get(incident=incident)
    mail.outbox.clear()
    scan(clock.warn_at - timedelta(minutes=1), django_capture_on_commit_callbacks)
    assert not Delivery.objects.filter(event_kind="clock_warning").exists()
    result = scan(clock.warn_at, django_capture_on_commit_callbacks)
    assert result["clock_warnings"] == 1
    warned = set(
        Delivery.objects.filter(event_kind="clock_warning").values_list("address", flat=True)
    )
    assert warned == {personas.cert_analyst.email, "dpo@hospital.test"}
    assert (
        scan(clock.warn_at + timedelta(hours=1), django_capture_on_commit_callbacks)[
            "clock_warnings"
        ]
        == 0
    )
    assert Delivery.objects.filter(event_kind="clock_warning").count() == 2
    assert any("dpo@hospital.test" in message.to for message in mail.outbox)


def test_an_answered_clock_is_not_warned(
    personas, make_incident, send_inline, django_capture_on_commit_callbacks
):
    incident = make_incident(personal_data_involved=True)
    clock = LegalClock.objects.get(incident=incident)
    LegalClock.objects.filter(pk=clock.pk).update(status="waived")
    assert scan(clock.due_at, django_capture_on_commit_callbacks)["clock_warnings"] == 0


def test_the_beat_task_and_the_job_kind_run_the_scan(
    personas, make_incident, send_inline, django_capture_on_commit_callbacks
):
    make_incident()
    assert tasks.scan_deadlines.apply().get() == {"clock_warnings": 0, "sla_alerts": 0}
    job = check_start_job(personas.cert_analyst, "incidents.scan_deadlines")
    job.status = JobStatus.RUNNING
    job.save()
    execute_job(job)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert job.result == {"clock_warnings": 0, "sla_alerts": 0}


def test_only_incident_staff_may_start_the_scan_job(personas):
    with pytest.raises(PermissionDenied):
        check_start_job(personas.auditor, "incidents.scan_deadlines")
