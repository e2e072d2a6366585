"""Legal clocks start when an incident needs them, at discovery, and move when discovery is corrected."""

from datetime import UTC, datetime, timedelta

import pytest

from siaga.constituents.models import ConstituentProfile
from siaga.incidents.actions import check_triage_report, check_update_incident
from siaga.incidents.actions.deadlines import is_vital_infrastructure, sync_legal_clocks
from siaga.incidents.choices import ClockStatus
from siaga.incidents.legal_clocks import ClockKind
from siaga.incidents.models import LegalClock

DISCOVERED = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)


def clocks_of(incident):
    return {clock.kind: clock for clock in LegalClock.objects.filter(incident=incident)}


def vital(organization, value=True):
    ConstituentProfile.objects.update_or_create(
        organization=organization, defaults={"is_vital_infrastructure": value}
    )


def test_no_clock_without_personal_data_or_vital_infrastructure(make_incident):
    assert clocks_of(make_incident(patient_safety=3)) == {}


def test_personal_data_starts_the_pdp_clock_at_discovery(make_incident):
    incident = make_incident(personal_data_involved=True, detected_at=DISCOVERED)
    clock = clocks_of(incident)[ClockKind.PDP_NOTICE]
    assert clock.started_at == DISCOVERED
    assert clock.due_at == DISCOVERED + timedelta(hours=72)
    assert clock.warn_at == DISCOVERED + timedelta(hours=66)
    assert clock.status == ClockStatus.RUNNING


def test_without_a_discovery_time_the_clock_starts_when_the_cert_heard_of_it(make_incident):
    incident = make_incident(personal_data_involved=True)
    assert clocks_of(incident)[ClockKind.PDP_NOTICE].started_at == incident.reported_at


def test_correcting_the_discovery_time_moves_a_running_clock(personas, make_incident):
    incident = make_incident(personal_data_involved=True, detected_at=DISCOVERED)
    LegalClock.objects.filter(incident=incident).update(warned_at=DISCOVERED)
    earlier = DISCOVERED - timedelta(hours=5)
    check_update_incident(personas.cert_analyst, incident, {"detected_at": earlier})
    clock = clocks_of(incident)[ClockKind.PDP_NOTICE]
    assert clock.started_at == earlier
    assert clock.due_at == earlier + timedelta(hours=72)
    assert clock.warned_at is None  # the moved deadline gets its own warning


def test_a_clock_already_answered_does_not_move(personas, make_incident):
    incident = make_incident(personal_data_involved=True, detected_at=DISCOVERED)
    LegalClock.objects.filter(incident=incident).update(status=ClockStatus.SENT)
    check_update_incident(
        personas.cert_analyst, incident, {"detected_at": DISCOVERED - timedelta(hours=1)}
    )
    assert clocks_of(incident)[ClockKind.PDP_NOTICE].started_at == DISCOVERED


def test_editing_in_personal_data_starts_the_clock(personas, make_incident):
    incident = make_incident(detected_at=DISCOVERED)
    check_update_incident(personas.cert_analyst, incident, {"personal_data_involved": True})
    assert set(clocks_of(incident)) == {ClockKind.PDP_NOTICE}


def test_vital_infrastructure_at_high_priority_starts_the_iiv_clock(personas, make_incident):
    hospital = personas.orgs.hospital
    vital(hospital)
    low = make_incident(affected_constituents=[hospital], detected_at=DISCOVERED)
    assert clocks_of(low) == {}  # P4: not high risk
    high = make_incident(affected_constituents=[hospital], detected_at=DISCOVERED, patient_safety=3)
    clock = clocks_of(high)[ClockKind.IIV_REPORT]
    assert clock.due_at == DISCOVERED + timedelta(hours=24)
    # Raising the priority later starts it too.
    check_update_incident(personas.cert_analyst, low, {"service_disruption": 3})
    assert set(clocks_of(low)) == {ClockKind.IIV_REPORT}


def test_a_constituent_without_a_profile_is_not_vital(personas, make_incident):
    incident = make_incident(affected_constituents=[personas.orgs.other_hospital], patient_safety=3)
    assert not is_vital_infrastructure(incident)
    assert clocks_of(incident) == {}


def test_adding_a_vital_constituent_starts_the_iiv_clock(personas, make_incident):
    vital(personas.orgs.other_hospital)
    incident = make_incident(patient_safety=3)
    check_update_incident(
        personas.cert_analyst, incident, {"affected_constituents": [personas.orgs.other_hospital]}
    )
    assert set(clocks_of(incident)) == {ClockKind.IIV_REPORT}


def test_triage_into_a_new_incident_starts_the_clock_at_the_reported_discovery(
    personas, make_report
):
    report = make_report(personal_data_involved="yes", discovered_at=DISCOVERED)
    triaged = check_triage_report(personas.cert_analyst, report, "new_incident")
    clock = clocks_of(triaged.incident)[ClockKind.PDP_NOTICE]
    assert clock.started_at == DISCOVERED


def test_attaching_a_report_of_a_vital_constituent_starts_the_iiv_clock(
    personas, make_report, make_incident
):
    vital(personas.orgs.hospital)
    incident = make_incident(patient_safety=3)
    assert clocks_of(incident) == {}
    check_triage_report(personas.cert_analyst, make_report(), "attach", incident_id=incident.pk)
    assert set(clocks_of(incident)) == {ClockKind.IIV_REPORT}


def test_sync_is_idempotent(make_incident):
    incident = make_incident(personal_data_involved=True, detected_at=DISCOVERED)
    first = sync_legal_clocks(incident)
    again = sync_legal_clocks(incident)
    assert [clock.pk for clock in first] == [clock.pk for clock in again]
    assert LegalClock.objects.filter(incident=incident).count() == 1


def test_a_clock_never_stops_by_itself(personas, make_incident):
    incident = make_incident(personal_data_involved=True)
    check_update_incident(personas.cert_analyst, incident, {"personal_data_involved": False})
    assert clocks_of(incident)[ClockKind.PDP_NOTICE].status == ClockStatus.RUNNING


@pytest.mark.parametrize("hours", [1, 48])
def test_clock_lengths_come_from_settings(settings, make_incident, hours):
    settings.SIAGA_PDP_NOTICE_HOURS = hours
    incident = make_incident(personal_data_involved=True, detected_at=DISCOVERED)
    assert clocks_of(incident)[ClockKind.PDP_NOTICE].due_at == DISCOVERED + timedelta(hours=hours)
