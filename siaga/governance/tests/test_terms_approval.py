"""Terms of reference: drafted, submitted, approved by every member agency and the CERT; the
version approved before is superseded, never edited."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from siaga.audit.models import AuditEntry
from siaga.governance import actions
from siaga.governance.choices import TermsStatus
from siaga.governance.models import TermsOfReferenceApproval, TermsOfReferenceVersion
from siaga.governance.tests.conftest import submitted_version, tor_data

pytestmark = pytest.mark.django_db


def test_every_member_and_the_cert_approve_then_the_old_version_is_superseded(personas):
    lead, member = personas.cert_lead, personas.coord_member
    v1 = submitted_version(lead)
    actions.check_approve(member, v1)
    v1.refresh_from_db()
    assert v1.status == TermsStatus.SUBMITTED
    assert [o.name for o in actions.pending_organizations(v1)] == ["Test CERT"]
    actions.check_approve(lead, v1)
    v1.refresh_from_db()
    assert v1.status == TermsStatus.APPROVED and v1.approved_at is not None

    v2 = submitted_version(lead, body_en="Version two.")
    assert v2.number == 2
    actions.check_approve(lead, v2)
    actions.check_approve(member, v2)
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.status, v2.status) == (TermsStatus.SUPERSEDED, TermsStatus.APPROVED)
    assert v1.body_en == "Terms of reference text."
    trail = TermsOfReferenceApproval.objects.filter(version=v2).order_by("pk")
    assert [(a.organization.name, a.approved_by) for a in trail] == [
        ("Test CERT", lead),
        ("Test Agency", member),
    ]
    assert (
        AuditEntry.objects.filter(
            object_type="governance.termsofreferenceapproval", action="create"
        ).count()
        == 4
    )


def test_approving_twice_is_refused(personas):
    version = submitted_version(personas.cert_lead)
    actions.check_approve(personas.coord_member, version)
    with pytest.raises(ValidationError, match="already approved"):
        actions.check_approve(personas.coord_member, version)


def test_a_draft_cannot_be_approved_and_an_approved_version_not_edited(personas):
    lead = personas.cert_lead
    draft = actions.check_create_draft(lead, tor_data())
    with pytest.raises(ValidationError, match="submitted"):
        actions.check_approve(lead, draft)
    actions.check_submit(lead, draft)
    with pytest.raises(ValidationError, match="Only a draft"):
        actions.check_update_draft(lead, draft, tor_data(body_en="Changed"))
    draft.refresh_from_db()
    assert draft.body_en == "Terms of reference text."


def test_only_one_version_in_the_works(personas):
    actions.check_create_draft(personas.cert_lead, tor_data())
    with pytest.raises(ValidationError, match="already being drafted"):
        actions.check_create_draft(personas.cert_lead, tor_data())
    assert TermsOfReferenceVersion.objects.count() == 1


def test_submitting_needs_both_languages(personas):
    draft = actions.check_create_draft(personas.cert_lead, tor_data(body_en=""))
    with pytest.raises(ValidationError, match="both languages"):
        actions.check_submit(personas.cert_lead, draft)
    draft.refresh_from_db()
    assert draft.status == TermsStatus.DRAFT


@pytest.mark.parametrize("name", ["cert_analyst", "coord_member", "auditor", "constituent_admin"])
def test_who_may_not_draft(personas, name):
    with pytest.raises(PermissionDenied):
        actions.check_create_draft(personas.by_name(name), tor_data())


@pytest.mark.parametrize("name", ["cert_analyst", "auditor", "constituent_admin", "outsider"])
def test_who_may_not_approve(personas, name):
    version = submitted_version(personas.cert_lead)
    with pytest.raises(PermissionDenied):
        actions.check_approve(personas.by_name(name), version)
    assert not version.approvals.exists()


def test_an_inactive_agency_is_not_waited_for(personas):
    personas.orgs.agency.is_active = False
    personas.orgs.agency.save()
    version = submitted_version(personas.cert_lead)
    actions.check_approve(personas.cert_lead, version)
    version.refresh_from_db()
    assert version.status == TermsStatus.APPROVED
