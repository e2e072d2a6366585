"""Review: comments, asking for changes (notified, editable again), accepting (score kept), audit."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from siaga.assessments import actions
from siaga.assessments.choices import AssessmentStatus
from siaga.assessments.tests.conftest import answer_all
from siaga.audit.models import AuditEntry
from siaga.notifications.models import Delivery

pytestmark = pytest.mark.django_db


def _statuses(assessment):
    # The workflow's own entries (the audit trail also records each field change as a pair).
    found = (
        AuditEntry.objects.filter(
            object_type="assessments.assessment", object_id=str(assessment.pk)
        )
        .order_by("seq")
        .values_list("changes__status", flat=True)
    )
    return [status for status in found if isinstance(status, str)]


def test_return_then_resubmit_then_accept(personas, submitted):
    returned = actions.check_return(personas.cert_analyst, submitted, "A.2: show the MFA policy.")
    assert returned.status == AssessmentStatus.RETURNED
    delivery = Delivery.objects.get(event_kind="assessment_returned")
    assert "show the MFA policy" in delivery.body
    answer_all(personas.constituent_admin, returned, {"A.2": "partly"})
    actions.check_submit(personas.constituent_admin, returned)
    accepted = actions.check_accept(personas.cert_lead, returned)
    assert accepted.status == AssessmentStatus.ACCEPTED and accepted.accepted_at is not None
    assert accepted.score_percent == 75.0
    assert _statuses(accepted) == ["submitted", "returned", "submitted", "accepted"]
    assert Delivery.objects.filter(event_kind="assessment_submitted").count() == 2


def test_return_needs_a_comment(personas, submitted):
    with pytest.raises(ValidationError):
        actions.check_return(personas.cert_lead, submitted, "  ")
    submitted.refresh_from_db()
    assert submitted.status == AssessmentStatus.SUBMITTED


def test_only_submitted_assessments_are_accepted(personas, assessment):
    with pytest.raises(ValidationError):
        actions.check_accept(personas.cert_lead, assessment)


@pytest.mark.parametrize("name", ["constituent_admin", "auditor", "coord_member", "other_reporter"])
def test_others_may_not_review(personas, submitted, name):
    with pytest.raises(PermissionDenied):
        actions.check_accept(personas.by_name(name), submitted)
    with pytest.raises(PermissionDenied):
        actions.check_comment(personas.by_name(name), submitted, "hi")


def test_comments_per_question_or_overall(personas, submitted):
    actions.check_comment(personas.cert_analyst, submitted, "Good.", "A.1")
    actions.check_comment(personas.cert_analyst, submitted, "Overall fine.")
    with pytest.raises(ValidationError):
        actions.check_comment(personas.cert_analyst, submitted, "?", "NOPE")
    assert list(submitted.review_comments.values_list("question_id", flat=True)) == ["A.1", ""]
