"""Triage: a new report becomes an incident, joins one, or is rejected — once."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from siaga.incidents.actions import check_triage_report


def test_a_report_becomes_a_prefilled_incident(personas, make_report):
    report = make_report(
        suspected_class="malicious-code",
        suspected_type="infected-system",
        personal_data_involved="yes",
    )
    triaged = check_triage_report(personas.cert_analyst, report, "new_incident", note="ok")
    incident = triaged.incident
    assert triaged.status == "triaged" and triaged.triaged_by == personas.cert_analyst
    assert incident.reference.startswith("SIAGA-INC-")
    assert incident.title == report.title and incident.description == report.description
    assert (incident.rsit_class, incident.rsit_type) == ("malicious-code", "infected-system")
    assert list(incident.affected_constituents.all()) == [personas.orgs.hospital]
    assert incident.reported_at == report.created_at
    assert incident.personal_data_involved is True
    assert incident.acknowledged_at is not None
    assert incident.tlp == "amber" and incident.pap == "amber"


def test_a_report_joins_an_existing_incident(personas, make_report, make_incident):
    incident = make_incident()
    report = make_report(personas.other_reporter)
    triaged = check_triage_report(personas.cert_lead, report, "attach", incident_id=incident.pk)
    assert triaged.incident == incident
    incident.refresh_from_db()
    assert incident.acknowledged_at is not None
    assert personas.orgs.other_hospital in incident.affected_constituents.all()
    # the reporter's organization now sees the incident it reported into
    assert incident.reports.count() == 1


@pytest.mark.parametrize("reason", ["spam", "not_an_incident"])
def test_a_report_is_rejected(personas, make_report, reason):
    report = check_triage_report(personas.cert_analyst, make_report(), "reject", reason=reason)
    assert report.status == "rejected" and report.rejection_reason == reason
    assert report.incident is None


def test_a_duplicate_names_what_it_repeats(personas, make_report, make_incident):
    first = check_triage_report(personas.cert_analyst, make_report(), "new_incident")
    second = make_report()
    with pytest.raises(ValidationError):
        check_triage_report(personas.cert_analyst, second, "reject", reason="duplicate")
    second = check_triage_report(
        personas.cert_analyst, second, "reject", reason="duplicate", duplicate_of_id=first.pk
    )
    assert second.duplicate_of == first and second.incident == first.incident
    incident = make_incident()
    third = check_triage_report(
        personas.cert_analyst, make_report(), "reject", reason="duplicate", incident_id=incident.pk
    )
    assert third.incident == incident and third.status == "rejected"


def test_a_report_is_triaged_only_once(personas, make_report):
    report = make_report()
    check_triage_report(personas.cert_analyst, report, "reject", reason="spam")
    with pytest.raises(ValidationError, match="already triaged"):
        check_triage_report(personas.cert_lead, report, "new_incident")


def test_bad_input_is_refused_per_field(personas, make_report):
    report = make_report()
    with pytest.raises(ValidationError) as caught:
        check_triage_report(personas.cert_analyst, report, "attach")
    assert "incident_id" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        check_triage_report(personas.cert_analyst, report, "reject")
    assert "reason" in caught.value.message_dict
    report.refresh_from_db()
    assert report.status == "new"


@pytest.mark.parametrize("persona", ["constituent_admin", "auditor", "coord_member"])
def test_only_cert_staff_triage(personas, make_report, persona):
    with pytest.raises(PermissionDenied):
        check_triage_report(personas.by_name(persona), make_report(), "new_incident")


def test_a_new_incident_from_triage_is_acknowledged_and_triaged(personas, make_report):
    report = make_report()
    report = check_triage_report(personas.cert_analyst, report, "new_incident")
    incident = report.incident
    assert incident.acknowledged_at is not None
    assert incident.triaged_at == incident.acknowledged_at  # the triage decision is the triage
