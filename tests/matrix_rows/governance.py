"""Permission-matrix rows of the coordination group: its members, the CERT and auditors read the
group's records; the CERT's staff (the secretariat) record meetings, action items and exercises; the
CERT's leads and administrators keep the rota and draft the terms of reference, which they and the
member agencies approve; a member agency manages its own representatives; an action item's owner
(here the hospital's administrator) reads it and updates its status."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from siaga.core.testing import Personas
from siaga.governance import actions
from siaga.governance.models import TermsOfReferenceVersion
from siaga.governance.tests.conftest import (
    make_action,
    make_meeting,
    make_rep,
    make_shift,
    submitted_version,
    tor_data,
)
from tests.matrix_base import CERT_STAFF, EVERYONE_SIGNED_IN, Operation, Page

READS_GROUP = CERT_STAFF | {"coord_member", "auditor"}
SECRETARIAT = CERT_STAFF
LEADS = frozenset({"cert_admin", "cert_lead"})
APPROVERS = LEADS | {"coord_member"}
MANAGES_AGENCY_PEOPLE = LEADS | {"coord_member"}
ACTION_OWNER = "constituent_admin"
READS_OWNED_ACTION = READS_GROUP | {ACTION_OWNER}
CHANGES_OWNED_ACTION = SECRETARIAT | {ACTION_OWNER}


def rows(personas: Personas) -> dict[str, Any]:
    lead = personas.cert_lead
    meeting = make_meeting(lead)
    submitted = submitted_version(lead)
    # A draft beside the submitted version (the pages allow one at a time; the rows need both).
    draft = TermsOfReferenceVersion.objects.create(
        document=submitted.document, number=2, created_by=lead, **tor_data()
    )
    exercise = actions.check_save_exercise(
        lead,
        {
            "kind": "tabletop",
            "title": "Matrix exercise",
            "held_on": timezone.localdate(),
            "status": "planned",
            "scenario_id": "",
            "scenario_en": "",
            "participants": [],
        },
    )
    return {
        "gov_agency_id": personas.orgs.agency.pk,
        "gov_meeting_id": meeting.pk,
        "gov_submitted_id": submitted.pk,
        "gov_draft_id": draft.pk,
        "gov_exercise_id": exercise.pk,
        "gov_rep_id": make_rep(personas.orgs.agency).pk,
        "gov_action_id": make_action(lead, getattr(personas, ACTION_OWNER)).pk,
        "gov_shift_id": make_shift(lead, timezone.now()).pk,
    }


def _arg(key: str) -> Any:
    return lambda w: [w.extra[key]]


PAGES = [
    Page("governance:group", READS_GROUP),
    Page("governance:directory", READS_GROUP),
    Page("governance:representative-add", MANAGES_AGENCY_PEOPLE),
    Page("governance:representative-edit", MANAGES_AGENCY_PEOPLE, args=_arg("gov_rep_id")),
    Page("governance:terms", READS_GROUP),
    Page("governance:terms-draft", LEADS),
    Page("governance:terms-version", READS_GROUP, args=_arg("gov_submitted_id")),
    Page("governance:terms-edit", LEADS, args=_arg("gov_draft_id")),
    Page("governance:terms-submit", LEADS, "post", args=_arg("gov_draft_id")),
    Page("governance:terms-approve", APPROVERS, "post", args=_arg("gov_submitted_id")),
    Page("governance:meetings", READS_GROUP),
    Page("governance:meeting-add", SECRETARIAT),
    Page("governance:meeting-detail", READS_GROUP, args=_arg("gov_meeting_id")),
    Page("governance:meeting-edit", SECRETARIAT, args=_arg("gov_meeting_id")),
    Page("governance:meeting-attendance", SECRETARIAT, args=_arg("gov_meeting_id")),
    Page(
        "governance:decision-add",
        SECRETARIAT,
        "post",
        args=_arg("gov_meeting_id"),
        data={"text_en": "Hold an exercise"},
    ),
    Page("governance:actions", EVERYONE_SIGNED_IN),
    Page("governance:action-add", SECRETARIAT),
    Page("governance:action-detail", READS_OWNED_ACTION, args=_arg("gov_action_id")),
    Page("governance:action-edit", SECRETARIAT, args=_arg("gov_action_id")),
    Page(
        "governance:action-status",
        CHANGES_OWNED_ACTION,
        "post",
        args=_arg("gov_action_id"),
        data={"status": "done"},
    ),
    Page("governance:oncall", READS_GROUP),
    Page("governance:shift-add", LEADS),
    Page("governance:shift-edit", LEADS, args=_arg("gov_shift_id")),
    Page("governance:exercises", READS_GROUP),
    Page("governance:exercise-add", SECRETARIAT),
    Page("governance:exercise-detail", READS_GROUP, args=_arg("gov_exercise_id")),
    Page("governance:exercise-edit", SECRETARIAT, args=_arg("gov_exercise_id")),
    Page(
        "governance:finding-add",
        SECRETARIAT,
        "post",
        args=_arg("gov_exercise_id"),
        data={"text": "Contact list incomplete", "severity": "medium"},
    ),
]

OPERATIONS = [
    Operation("get", "/api/v1/governance/meetings", READS_GROUP),
    Operation(
        "get",
        "/api/v1/governance/meetings/{id}",
        READS_GROUP,
        params=lambda w: {"id": w.extra["gov_meeting_id"]},
    ),
    Operation(
        "get",
        "/api/v1/governance/action-items",
        EVERYONE_SIGNED_IN,
        empty_for=EVERYONE_SIGNED_IN - READS_OWNED_ACTION,
    ),
    Operation(
        "get",
        "/api/v1/governance/action-items/{id}",
        READS_OWNED_ACTION,
        params=lambda w: {"id": w.extra["gov_action_id"]},
    ),
    Operation(
        "patch",
        "/api/v1/governance/action-items/{id}",
        CHANGES_OWNED_ACTION,
        params=lambda w: {"id": w.extra["gov_action_id"]},
        body={"status": "done"},
    ),
    Operation("get", "/api/v1/governance/on-call/now", READS_GROUP),
]
