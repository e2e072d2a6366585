"""SLA states of a real incident at frozen times, and the "next due" of a row."""

from datetime import timedelta

from siaga.incidents.actions import check_transition
from siaga.incidents.actions.deadlines import incident_slas, next_deadline
from siaga.incidents.choices import ClockStatus
from siaga.incidents.models import Incident, LegalClock
from siaga.incidents.slas import Milestone, SlaState


def states(incident, now):
    return {status.milestone: status.state for status in incident_slas(incident, now)}


def test_states_over_time_for_a_p4_incident(make_incident):
    incident = make_incident()  # P4: acknowledge within 24 h
    start = incident.reported_at
    assert states(incident, start + timedelta(hours=1))[Milestone.ACKNOWLEDGE] == SlaState.RUNNING
    assert states(incident, start + timedelta(hours=19))[Milestone.ACKNOWLEDGE] == SlaState.WARNING
    assert states(incident, start + timedelta(hours=25))[Milestone.ACKNOWLEDGE] == SlaState.BREACHED


def test_met_and_met_late_and_not_applicable(personas, make_incident):
    incident = make_incident()
    start = incident.reported_at
    Incident.objects.filter(pk=incident.pk).update(
        acknowledged_at=start + timedelta(hours=2), triaged_at=start + timedelta(days=4)
    )
    incident.refresh_from_db()
    now = start + timedelta(days=5)
    result = states(incident, now)
    assert result[Milestone.ACKNOWLEDGE] == SlaState.MET
    assert result[Milestone.TRIAGE] == SlaState.MET_LATE
    assert result[Milestone.FIRST_RESPONSE] == SlaState.WARNING  # due this very moment
    check_transition(personas.cert_analyst, incident, "closed", closure_reason="false_positive")
    incident.refresh_from_db()
    closed = states(incident, now + timedelta(days=60))
    assert closed[Milestone.FIRST_RESPONSE] == SlaState.NOT_APPLICABLE


def test_raising_the_priority_brings_the_deadline_forward(personas, make_incident):
    incident = make_incident()
    before = incident_slas(incident)[0].due_at
    incident.patient_safety = 3
    incident.save()
    assert incident.priority == "P1"
    assert incident_slas(incident)[0].due_at == incident.reported_at + timedelta(minutes=15)
    assert incident_slas(incident)[0].due_at < before


def test_containment_counts_as_first_response(personas, make_incident):
    incident = make_incident()
    check_transition(personas.cert_analyst, incident, "analysis")
    check_transition(personas.cert_analyst, incident, "containment")
    incident.refresh_from_db()
    assert incident.first_response_at is not None
    assert states(incident, incident.first_response_at)[Milestone.FIRST_RESPONSE] == SlaState.MET


def test_next_deadline_is_the_sla_or_an_earlier_clock(make_incident):
    incident = make_incident(personal_data_involved=True)
    clock = LegalClock.objects.get(incident=incident)
    start = incident.reported_at
    now = start + timedelta(hours=1)
    due = next_deadline(incident, [], now)
    assert due is not None and not due.is_clock
    assert due.due_at == start + timedelta(hours=24)  # P4 acknowledge
    due = next_deadline(incident, [clock], now)
    assert due.due_at == start + timedelta(hours=24)  # the clock (72 h) is later
    clock.due_at = start + timedelta(hours=2)
    clock.warn_at = start
    due = next_deadline(incident, [clock], now)
    assert due.is_clock and due.state == "due_soon"
    assert next_deadline(incident, [clock], start + timedelta(hours=3)).state == "breached"
    clock.status = ClockStatus.SENT
    assert not next_deadline(incident, [clock], now).is_clock
