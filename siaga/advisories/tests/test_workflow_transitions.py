"""The four-eyes workflow: submit, approve (not by the author or submitter), return with a comment,
update as the next version, withdraw with a reason; illegal steps refused with a reason."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from siaga.accounts.roles import Role
from siaga.advisories import actions
from siaga.advisories.choices import AdvisoryStatus
from siaga.advisories.models import AdvisoryRevision
from siaga.advisories.tests.conftest import advisory_data, make_constituent, publish
from siaga.audit.models import AuditEntry
from siaga.core.testing import make_user

pytestmark = pytest.mark.django_db


def _steps(advisory):
    entries = AuditEntry.objects.filter(
        object_type="advisories.advisory", object_id=str(advisory.pk)
    ).order_by("seq")
    return [entry.changes.get("workflow") for entry in entries if entry.changes.get("workflow")]


def test_submit_then_approve_publishes_version_one(personas, draft):
    submitted = actions.check_submit(personas.cert_analyst, draft)
    assert submitted.status == AdvisoryStatus.IN_REVIEW
    assert submitted.submitted_by == personas.cert_analyst
    published = actions.check_approve(personas.cert_lead, submitted)
    assert published.status == AdvisoryStatus.PUBLISHED and published.version == 1
    assert published.first_published_at == published.last_published_at
    revision = AdvisoryRevision.objects.get(advisory=published)
    assert revision.version == 1
    assert revision.approved_by == personas.cert_lead
    assert revision.author == personas.cert_analyst
    assert revision.content["texts"]["en"]["title"] == draft.title_en
    assert revision.content["cves"][0]["cve_id"] == "CVE-2026-1234"
    assert _steps(published) == ["submit", "publish"]


def test_the_author_cannot_approve(personas):
    advisory = actions.check_create_advisory(personas.cert_lead, advisory_data())
    actions.check_submit(personas.cert_lead, advisory)
    with pytest.raises(PermissionDenied) as caught:
        actions.check_approve(personas.cert_lead, advisory)
    assert "Four eyes" in str(caught.value)
    # Another lead may.
    actions.check_approve(personas.cert_admin, advisory)


def test_the_submitter_cannot_approve(personas, draft):
    other_lead = make_user("lead2@cert.test", personas.orgs.cert, Role.CERT_LEAD)
    actions.check_submit(other_lead, draft)
    with pytest.raises(PermissionDenied):
        actions.check_approve(other_lead, draft)
    with pytest.raises(PermissionDenied):
        actions.check_approve(personas.cert_analyst, draft)  # the author, and no approve right


def test_an_analyst_cannot_approve(personas):
    advisory = actions.check_create_advisory(personas.cert_lead, advisory_data())
    actions.check_submit(personas.cert_lead, advisory)
    with pytest.raises(PermissionDenied) as caught:
        actions.check_approve(personas.cert_analyst, advisory)
    assert "lead or administrator" in str(caught.value)


@pytest.mark.parametrize("step", ["approve", "return", "withdraw"])
def test_illegal_steps_from_draft(personas, draft, step):
    with pytest.raises(ValidationError) as caught:
        if step == "approve":
            actions.check_approve(personas.cert_lead, draft)
        elif step == "return":
            actions.check_return(personas.cert_lead, draft, "why")
        else:
            actions.check_withdraw(personas.cert_lead, draft, "why")
    assert "Draft" in caught.value.message_dict["status"][0]


def test_cannot_submit_twice_or_edit_in_review(personas, draft):
    actions.check_submit(personas.cert_analyst, draft)
    with pytest.raises(ValidationError) as caught:
        actions.check_submit(personas.cert_analyst, draft)
    assert "In review" in caught.value.message_dict["status"][0]
    with pytest.raises(ValidationError) as caught:
        actions.check_update_advisory(personas.cert_analyst, draft, {"title_en": "New"})
    assert "return it to draft" in caught.value.message_dict["status"][0]


def test_return_needs_a_comment_and_tells_the_author(personas, draft):
    actions.check_submit(personas.cert_analyst, draft)
    with pytest.raises(ValidationError):
        actions.check_return(personas.cert_lead, draft, "  ")
    returned = actions.check_return(personas.cert_lead, draft, "Add the CVSS v4 vector.")
    assert returned.status == AdvisoryStatus.DRAFT
    entry = AuditEntry.objects.filter(object_id=str(draft.pk)).order_by("-seq").first()
    assert entry.changes["comment"] == "Add the CVSS v4 vector."
    from siaga.notifications.models import Delivery

    delivery = Delivery.objects.get(event_kind="advisory_returned")
    assert delivery.address == personas.cert_analyst.email
    assert "Add the CVSS v4 vector." in delivery.body


def test_update_publishes_the_next_version_and_readers_keep_the_last(personas, draft):
    published = publish(personas, draft)
    edited = actions.check_update_advisory(
        personas.cert_analyst, published, {"title_en": "Contoso monitors: exploited"}
    )
    assert edited.status == AdvisoryStatus.DRAFT and edited.version == 1
    revision = edited.revisions.get()
    assert revision.content["texts"]["en"]["title"] == draft.title_en  # unchanged for readers
    actions.check_submit(personas.cert_analyst, edited)
    with pytest.raises(ValidationError) as caught:
        actions.check_approve(personas.cert_lead, edited)
    assert "change_summary_en" in caught.value.message_dict
    updated = actions.check_approve(
        personas.cert_lead,
        edited,
        change_summary_en="Now exploited.",
        change_summary_id="Kini dieksploitasi.",
    )
    assert updated.version == 2 and updated.status == AdvisoryStatus.PUBLISHED
    latest = updated.revisions.order_by("-version").first()
    assert latest.version == 2 and latest.change_summary_en == "Now exploited."
    assert latest.content["texts"]["en"]["title"] == "Contoso monitors: exploited"
    assert _steps(updated) == ["submit", "publish", "update_started", "submit", "publish_update"]


def test_withdraw_needs_a_reason_and_a_lead(personas, draft):
    published = publish(personas, draft)
    with pytest.raises(PermissionDenied):
        actions.check_withdraw(personas.cert_analyst, published, "Wrong product")
    with pytest.raises(ValidationError):
        actions.check_withdraw(personas.cert_lead, published, "")
    withdrawn = actions.check_withdraw(personas.cert_lead, published, "Wrong product")
    assert withdrawn.status == AdvisoryStatus.WITHDRAWN
    assert withdrawn.withdrawn_reason == "Wrong product" and withdrawn.withdrawn_at
    with pytest.raises(ValidationError):
        actions.check_withdraw(personas.cert_lead, withdrawn, "again")
    with pytest.raises(ValidationError):
        actions.check_update_advisory(personas.cert_analyst, withdrawn, {"title_en": "x"})


def test_submit_needs_a_summary(personas):
    advisory = actions.check_create_advisory(
        personas.cert_analyst, advisory_data(summary_id="", summary_en="")
    )
    with pytest.raises(ValidationError) as caught:
        actions.check_submit(personas.cert_analyst, advisory)
    assert "summary" in " ".join(caught.value.message_dict["status"])


def test_amber_needs_named_recipients(personas):
    advisory = actions.check_create_advisory(personas.cert_analyst, advisory_data(tlp="amber"))
    assert advisory.target_inventory is False
    with pytest.raises(ValidationError) as caught:
        actions.check_submit(personas.cert_analyst, advisory)
    assert "Name the constituents" in " ".join(caught.value.message_dict["status"])
    hospital = make_constituent("RS Amber")
    actions.check_update_advisory(
        personas.cert_analyst, advisory, {"target_organizations": [hospital.pk]}
    )
    actions.check_submit(personas.cert_analyst, advisory)


def test_constituents_cannot_drive_the_workflow(personas, draft):
    with pytest.raises(PermissionDenied):
        actions.check_submit(personas.constituent_admin, draft)
    with pytest.raises(PermissionDenied):
        actions.check_update_advisory(personas.constituent_admin, draft, {"title_en": "x"})


def test_an_update_cannot_turn_amber_for_earlier_recipients(personas):
    first = make_constituent("RS Pertama")
    second = make_constituent("RS Kedua")
    advisory = actions.check_create_advisory(
        personas.cert_analyst,
        advisory_data(target_inventory=False, target_organizations=[first.pk, second.pk]),
    )
    publish(personas, advisory)
    actions.check_update_advisory(
        personas.cert_analyst,
        advisory,
        {"tlp": "amber+strict", "target_organizations": [first.pk]},
    )
    with pytest.raises(ValidationError) as caught:
        actions.check_submit(personas.cert_analyst, advisory)
    assert "earlier version" in " ".join(caught.value.message_dict["status"])
