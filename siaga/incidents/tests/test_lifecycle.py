"""The incident lifecycle: allowed steps, timestamps, closing and reopening, history rows."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from siaga.incidents.actions import check_transition
from siaga.incidents.lifecycle import TRANSITIONS


def test_every_status_has_a_way_on_and_closed_only_reopens():
    assert all(TRANSITIONS[status] for status in TRANSITIONS)
    assert TRANSITIONS["closed"] == ("analysis",)
    assert "analysis" in TRANSITIONS["containment"]  # a step back
    assert "recovery" in TRANSITIONS["analysis"]  # a skip forward


def test_each_step_stamps_its_time_once_and_writes_history(personas, make_incident):
    analyst = personas.cert_analyst
    incident = make_incident()
    assert incident.acknowledged_at is None
    incident = check_transition(analyst, incident, "triage")
    assert incident.acknowledged_at and not incident.triaged_at  # triage has begun, not ended
    incident = check_transition(analyst, incident, "analysis")
    triaged_at = incident.triaged_at
    assert triaged_at
    incident = check_transition(analyst, incident, "containment")
    assert incident.contained_at
    incident = check_transition(analyst, incident, "analysis", note="new host found")
    incident = check_transition(analyst, incident, "triage")
    assert incident.triaged_at == triaged_at  # the first time is kept
    incident = check_transition(analyst, incident, "analysis")
    incident = check_transition(analyst, incident, "recovery")
    assert incident.resolved_at and not incident.closed_at
    incident = check_transition(
        analyst, incident, "closed", closure_reason="resolved", lessons_learned="Back up PACS."
    )
    assert incident.closed_at and incident.closure_reason == "resolved"
    assert incident.lessons_learned == "Back up PACS."
    steps = [(c.from_status, c.to_status) for c in incident.status_changes.all()]
    assert steps[0] == ("", "new")
    assert steps[-1] == ("recovery", "closed")
    assert len(steps) == 9
    assert incident.status_changes.last().changed_by == analyst


def test_an_impossible_step_names_the_allowed_ones(personas, make_incident):
    incident = make_incident()
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        check_transition(personas.cert_analyst, incident, "eradication")
    message = caught.value.message_dict["status"][0]
    assert "Triage" in message and "Analysis" in message and "Closed" in message
    incident.refresh_from_db()
    assert incident.status == "new"


def test_closing_needs_a_reason(personas, make_incident):
    with pytest.raises(ValidationError) as caught:
        check_transition(personas.cert_analyst, make_incident(), "closed")
    assert "closure_reason" in caught.value.message_dict


def test_reopening_needs_a_note_and_clears_the_reason(personas, make_incident):
    analyst = personas.cert_analyst
    incident = check_transition(analyst, make_incident(), "closed", closure_reason="false_positive")
    with pytest.raises(ValidationError) as caught:
        check_transition(analyst, incident, "analysis")
    assert "note" in caught.value.message_dict
    incident = check_transition(analyst, incident, "analysis", note="It came back.")
    assert incident.status == "analysis" and incident.closure_reason == ""
    assert incident.status_changes.filter(to_status="closed").get().closure_reason == (
        "false_positive"
    )


@pytest.mark.parametrize("persona", ["auditor", "constituent_admin", "coord_member"])
def test_only_cert_staff_change_the_status(personas, make_incident, persona):
    incident = make_incident(affected_constituents=[personas.orgs.hospital])
    with pytest.raises(PermissionDenied):
        check_transition(personas.by_name(persona), incident, "triage")
