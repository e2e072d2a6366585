"""Representatives of the member agencies, and the terms of reference with their approval."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from siaga.accounts.roles import principal_for
from siaga.governance.actions.common import apply, group_organizations, require, require_all
from siaga.governance.choices import TermsStatus
from siaga.governance.models import (
    Representative,
    TermsOfReference,
    TermsOfReferenceApproval,
    TermsOfReferenceVersion,
)
from siaga.organizations.models import Organization

REPRESENTATIVE_FIELDS = (
    "organization",
    "user",
    "name",
    "email",
    "phone",
    "role",
    "active_from",
    "active_until",
)
VERSION_FIELDS = (
    "effective_date",
    "body_id",
    "body_en",
    "change_summary_id",
    "change_summary_en",
)
DEFAULT_TITLE = {
    "title_id": "Kerangka Acuan Kelompok Koordinasi Pelindungan Data dan Keamanan Siber Kesehatan",
    "title_en": "Terms of reference of the health data protection and cyber security group",
}
OPEN_STATUSES = (TermsStatus.DRAFT, TermsStatus.SUBMITTED)


# --- Representatives ----------------------------------------------------------------------------


def visible_representatives(user: Any) -> QuerySet[Representative]:
    return Representative.objects.restrict(user, "view").select_related("organization", "user")


def access_representative(user: Any, pk: int, action: str = "view") -> Representative:
    return get_object_or_404(Representative.objects.restrict(user, action), pk=pk)


def representable_organizations(user: Any) -> QuerySet[Organization]:
    """The group's organizations whose representatives the user manages."""
    grant = principal_for(user).scopes("representative.change")
    if grant.all:
        return group_organizations()
    return group_organizations().filter(pk__in=sorted(grant.org_ids))


def check_save_representative(
    user: Any, data: dict[str, Any], representative: Representative | None = None
) -> Representative:
    require(user, "representative.change")
    organization = data.get("organization")
    if organization is None or not representable_organizations(user).filter(pk=organization.pk):
        raise ValidationError({"organization": _("You cannot manage this organization's people.")})
    if not data.get("user") and not data.get("name"):
        raise ValidationError({"name": _("Choose a user or enter the person's name.")})
    until, since = data.get("active_until"), data.get("active_from")
    if until and since and until < since:
        raise ValidationError({"active_until": _("The end date is before the start date.")})
    row = representative or Representative()
    apply(row, data, REPRESENTATIVE_FIELDS)
    with transaction.atomic():
        row.save()
    return row


# --- Terms of reference ---------------------------------------------------------------------------


def the_document() -> TermsOfReference | None:
    """The group's terms of reference (one document; created with its first draft)."""
    return TermsOfReference.objects.order_by("pk").first()


def visible_versions(user: Any) -> QuerySet[TermsOfReferenceVersion]:
    return TermsOfReferenceVersion.objects.restrict(user, "view").select_related("created_by")


def access_version(user: Any, pk: int, action: str = "view") -> TermsOfReferenceVersion:
    return get_object_or_404(TermsOfReferenceVersion.objects.restrict(user, action), pk=pk)


def current_version() -> TermsOfReferenceVersion | None:
    return TermsOfReferenceVersion.objects.filter(status=TermsStatus.APPROVED).first()


def open_version() -> TermsOfReferenceVersion | None:
    return TermsOfReferenceVersion.objects.filter(status__in=OPEN_STATUSES).first()


def check_create_draft(user: Any, data: dict[str, Any]) -> TermsOfReferenceVersion:
    """A new draft; only one version may be in draft or awaiting approval at a time."""
    require_all(user, "termsofreference.change")
    with transaction.atomic():
        document = TermsOfReference.objects.select_for_update().order_by("pk").first()
        if document is None:
            document = TermsOfReference.objects.create(**DEFAULT_TITLE)
        if open_version() is not None:
            raise ValidationError(_("Another version is already being drafted or approved."))
        last = document.versions.aggregate(last=Max("number"))["last"] or 0
        version = TermsOfReferenceVersion(document=document, number=last + 1, created_by=user)
        apply(version, data, VERSION_FIELDS)
        version.save()
    return version


def check_update_draft(
    user: Any, version: TermsOfReferenceVersion, data: dict[str, Any]
) -> TermsOfReferenceVersion:
    require_all(user, "termsofreference.change")
    with transaction.atomic():
        locked = TermsOfReferenceVersion.objects.select_for_update().get(pk=version.pk)
        if not locked.is_editable:
            raise ValidationError(_("Only a draft can be edited."))
        apply(locked, data, VERSION_FIELDS)
        locked.save()
    return locked


def check_submit(user: Any, version: TermsOfReferenceVersion) -> TermsOfReferenceVersion:
    require_all(user, "termsofreference.change")
    with transaction.atomic():
        locked = TermsOfReferenceVersion.objects.select_for_update().get(pk=version.pk)
        if locked.status != TermsStatus.DRAFT:
            raise ValidationError(_("Only a draft can be submitted."))
        if not (locked.body_id.strip() and locked.body_en.strip()):
            raise ValidationError(_("Write the text in both languages before submitting."))
        locked.status = TermsStatus.SUBMITTED
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["status", "submitted_at", "updated_at"])
    return locked


def approving_organizations(user: Any) -> list[Organization]:
    """The group's organizations on whose behalf the user approves (where they hold the role)."""
    principal = principal_for(user)
    org_ids = {
        org_id
        for org_id, _role in principal.roles
        if principal.has_perm("termsofreference.approve", org_id)
    }
    return list(group_organizations().filter(pk__in=sorted(org_ids)))


def required_organizations() -> list[Organization]:
    return list(group_organizations())


def pending_organizations(version: TermsOfReferenceVersion) -> list[Organization]:
    approved = set(version.approvals.values_list("organization_id", flat=True))
    return [org for org in required_organizations() if org.pk not in approved]


def check_approve(user: Any, version: TermsOfReferenceVersion) -> TermsOfReferenceVersion:
    """Record the approval of each of the user's organizations that has not approved yet; once
    every active member agency and the CERT approved, the version is approved and the one approved
    before it is superseded."""
    require(user, "termsofreference.approve")
    organizations = approving_organizations(user)
    if not organizations:
        raise PermissionDenied(_("You do not approve on behalf of a member of the group."))
    with transaction.atomic():
        locked = TermsOfReferenceVersion.objects.select_for_update().get(pk=version.pk)
        if locked.status != TermsStatus.SUBMITTED:
            raise ValidationError(_("Only a version submitted for approval can be approved."))
        done = set(locked.approvals.values_list("organization_id", flat=True))
        todo = [org for org in organizations if org.pk not in done]
        if not todo:
            raise ValidationError(_("Your organization has already approved this version."))
        do_record_approvals(locked, todo, user)
    return locked


def do_record_approvals(
    version: TermsOfReferenceVersion, organizations: list[Organization], user: Any
) -> None:
    """Write the approvals (the caller holds the version's lock and checked the permission); the
    last one missing approves the version. One transaction (a savepoint inside the caller's), so
    the approvals and the change of status land together whoever calls."""
    with transaction.atomic():
        for organization in organizations:
            TermsOfReferenceApproval.objects.create(
                version=version, organization=organization, approved_by=user
            )
        if not pending_organizations(version):
            _approve(version)


def _approve(version: TermsOfReferenceVersion) -> None:
    now = timezone.now()
    previous = TermsOfReferenceVersion.objects.select_for_update().filter(
        document=version.document_id, status=TermsStatus.APPROVED
    )
    for old in previous:
        old.status = TermsStatus.SUPERSEDED
        old.superseded_at = now
        old.save(update_fields=["status", "superseded_at", "updated_at"])
    version.status = TermsStatus.APPROVED
    version.approved_at = now
    version.save(update_fields=["status", "approved_at", "updated_at"])
