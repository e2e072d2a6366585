"""Meetings: agenda, attendance, decisions numbered per meeting; action items linked to them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from siaga.audit.models import AuditEntry
from siaga.governance import actions
from siaga.governance.choices import ActionStatus, AttendanceStatus
from siaga.governance.models import ActionItem, Attendance, Meeting
from siaga.governance.tests.conftest import make_action, make_meeting, make_rep

pytestmark = pytest.mark.django_db


def test_agenda_is_replaced_and_decisions_numbered(personas):
    lead = personas.cert_lead
    meeting = make_meeting(lead)
    assert list(meeting.agenda_items.values_list("position", "title")) == [
        (1, "Threats"),
        (2, "Exercise"),
    ]
    actions.check_save_meeting(lead, {"agenda": ["Only item", "  "]}, meeting)
    assert list(meeting.agenda_items.values_list("title", flat=True)) == ["Only item"]
    first = actions.check_add_decision(lead, meeting, {"text_en": "Hold an exercise"})
    second = actions.check_add_decision(lead, meeting, {"text_id": "Tunjuk kontak"})
    other = actions.check_add_decision(lead, make_meeting(lead), {"text_en": "Elsewhere"})
    assert (first.number, second.number, other.number) == (1, 2, 1)


def test_a_meeting_that_ends_before_it_starts_is_refused(personas):
    with pytest.raises(ValidationError):
        make_meeting(
            personas.cert_lead,
            ends_at=make_meeting(personas.cert_lead).starts_at - timedelta(hours=1),
        )
    assert Meeting.objects.count() == 1


def test_an_empty_decision_is_refused(personas):
    meeting = make_meeting(personas.cert_lead)
    with pytest.raises(ValidationError):
        actions.check_add_decision(personas.cert_lead, meeting, {"text_id": " ", "text_en": ""})
    assert not meeting.decisions.exists()


def test_attendance_is_recorded_and_replaced(personas):
    rep = make_rep(personas.orgs.agency)
    other = make_rep(personas.orgs.cert, name="Ayu")
    meeting = make_meeting(personas.cert_lead)
    actions.check_record_attendance(
        personas.cert_lead, meeting, {rep.pk: "present", other.pk: "apologies"}
    )
    actions.check_record_attendance(personas.cert_lead, meeting, {rep.pk: "absent", other.pk: ""})
    assert list(Attendance.objects.values_list("representative", "status")) == [
        (rep.pk, AttendanceStatus.ABSENT)
    ]
    with pytest.raises(ValidationError):
        actions.check_record_attendance(personas.cert_lead, meeting, {rep.pk: "asleep"})
    assert Attendance.objects.get().status == AttendanceStatus.ABSENT
    entry = AuditEntry.objects.filter(object_type="governance.meeting").order_by("-seq").first()
    assert entry.changes == {"attendance": {str(rep.pk): "absent"}}


@pytest.mark.parametrize("name", ["coord_member", "auditor", "constituent_admin"])
def test_who_may_not_record_meetings(personas, name):
    with pytest.raises(PermissionDenied):
        make_meeting(personas.by_name(name))


def test_an_action_item_from_a_decision_belongs_to_its_meeting(personas):
    lead = personas.cert_lead
    meeting = make_meeting(lead)
    decision = actions.check_add_decision(lead, meeting, {"text_en": "Exercise"})
    item = make_action(lead, personas.coord_member, decision=decision)
    assert item.meeting == meeting
    with pytest.raises(ValidationError, match="another meeting"):
        make_action(lead, personas.coord_member, decision=decision, meeting=make_meeting(lead))
    assert ActionItem.objects.count() == 1


def test_the_owner_updates_the_status_and_nobody_else_outside_the_secretariat(personas):
    item = make_action(personas.cert_lead, personas.constituent_admin)
    actions.check_update_action_status(personas.constituent_admin, item, ActionStatus.DONE)
    item.refresh_from_db()
    assert item.status == ActionStatus.DONE
    with pytest.raises(PermissionDenied):
        actions.check_update_action_status(personas.coord_member, item, ActionStatus.OPEN)
    with pytest.raises(ValidationError):
        actions.check_update_action_status(personas.constituent_admin, item, "finished")
    with pytest.raises(PermissionDenied):
        make_action(personas.constituent_admin, personas.constituent_admin)


def test_owners_see_their_own_items_and_the_group_all(personas):
    mine = make_action(personas.cert_lead, personas.constituent_admin)
    theirs = make_action(personas.cert_lead, personas.cert_analyst)
    assert list(actions.visible_actions(personas.constituent_admin)) == [mine]
    assert set(actions.visible_actions(personas.coord_member)) == {mine, theirs}
    assert not actions.visible_actions(personas.other_reporter).exists()
