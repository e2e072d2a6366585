"""API of feed digests: the digests an organization received, their CSV, and its subscriptions."""

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict, Field

from siaga.accounts.roles import principal_for
from siaga.constituents.models import Contact
from siaga.core.apitools import MAX_ID, ObjectId, Page, optional
from siaga.digests import actions
from siaga.digests.choices import DigestFormat, DigestStatus, Frequency
from siaga.digests.models import DigestSubscription
from siaga.digests.views import csv_response
from siaga.incidents.taxonomy import RsitType
from siaga.organizations.api import OrganizationRef
from siaga.organizations.models import Organization

router = Router(tags=["digests"])

CSV_RESPONSES = {
    "responses": {
        200: {
            "description": "One row per event of the digest (CSV with a header row).",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    }
}


class ClassificationCount(Schema):
    taxonomy: str
    type: str
    identifier: str
    events: int = Field(description="Events of this classification in the digest.")
    seen: int = Field(description="How often they were reported (sum of their counts).")
    severity: int = Field(description="The highest severity among them (1 low … 4 critical).")


class DigestOut(Schema):
    id: int
    ticket: str
    organization: OrganizationRef
    period_start: datetime
    period_end: datetime
    event_count: int
    summary: list[ClassificationCount]
    delivery_ids: list[int]
    status: DigestStatus
    created_at: datetime


class SubscriptionOut(Schema):
    id: int
    organization: OrganizationRef
    contact_id: int | None
    frequency: Frequency
    classification_types: list[str]
    min_severity: int
    format: DigestFormat
    is_active: bool
    last_sent_at: datetime | None


class SubscriptionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    organization: int = Field(ge=1, le=MAX_ID, description="The constituent's organization id.")
    contact: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="The contact who receives e-mail digests."
    )
    frequency: Frequency = Frequency.DAILY
    classification_types: list[RsitType] = Field(
        default_factory=list, max_length=60, description="RSIT types; empty means every type."
    )
    min_severity: int = Field(default=1, ge=1, le=4, description="1 low … 4 critical.")
    format: DigestFormat = DigestFormat.EMAIL_CSV
    is_active: bool = True


class SubscriptionPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    contact: int | None = optional(ge=1, le=MAX_ID)
    frequency: Frequency = optional()
    classification_types: list[RsitType] = optional(max_length=60)
    min_severity: int = optional(ge=1, le=4)
    format: DigestFormat = optional()
    is_active: bool = optional()


def _require_membership(request: HttpRequest) -> None:
    """Lists answer 403, not an empty page, to someone who belongs to no organization (as every
    other list of the API does)."""
    if not principal_for(request.user).has_perm("digest.view"):
        raise PermissionDenied(_("You may not see feed digests."))


def _contact(request: HttpRequest, contact_id: int | None) -> Contact | None:
    if contact_id is None:
        return None
    contact = Contact.objects.restrict(request.user, "view").filter(pk=contact_id).first()
    if contact is None:
        raise ValidationError({"contact": _("No such contact.")})
    return contact


def _data(request: HttpRequest, values: dict[str, Any]) -> dict[str, Any]:
    data = dict(values)
    if "contact" in data:
        data["contact"] = _contact(request, data["contact"])
    if "classification_types" in data:
        data["classification_types"] = [str(kind) for kind in data["classification_types"]]
    return data


@router.get(
    "/digests", response=list[DigestOut], operation_id="digests_list", summary="List feed digests"
)
@paginate(Page)
def list_digests(request: HttpRequest) -> Any:
    """The digests you may see (the CERT: all; a constituent: its own), newest first."""
    _require_membership(request)
    return actions.visible_digests(request.user).order_by("-period_end", "-pk")


@router.get(
    "/digests/{id}", response=DigestOut, operation_id="digests_detail", summary="Get a feed digest"
)
def get_digest(request: HttpRequest, id: ObjectId) -> Any:
    return actions.access_digest(request.user, id)


@router.get(
    "/digests/{id}/csv",
    operation_id="digests_csv",
    summary="Download a digest's events as CSV",
    openapi_extra=CSV_RESPONSES,
)
def get_digest_csv(request: HttpRequest, id: ObjectId) -> Any:
    """Time, classification, source, counts and the report's chosen extra columns; cells that a
    spreadsheet would run as a formula start with an apostrophe. Every download is audited."""
    return csv_response(actions.access_digest(request.user, id))


@router.get(
    "/digest-subscriptions",
    response=list[SubscriptionOut],
    operation_id="digest_subscriptions_list",
    summary="List digest subscriptions",
)
@paginate(Page)
def list_subscriptions(request: HttpRequest) -> Any:
    """The subscriptions you may see (the CERT: all; a constituent's administrator: its own)."""
    _require_membership(request)
    return actions.visible_subscriptions(request.user).order_by("organization__name", "pk")


@router.post(
    "/digest-subscriptions",
    response={201: SubscriptionOut},
    operation_id="digest_subscriptions_create",
    summary="Create a digest subscription",
)
def create_subscription(request: HttpRequest, payload: SubscriptionIn) -> Any:
    if not principal_for(request.user).has_perm("digestsubscription.add"):
        raise PermissionDenied(_("You may not add digest subscriptions."))
    organization = (
        Organization.objects.restrict(request.user, "view").filter(pk=payload.organization).first()
    )
    if organization is None:
        raise ValidationError({"organization": _("No such organization.")})
    data = _data(request, payload.model_dump(exclude={"organization"}))
    subscription = actions.check_create_subscription(request.user, organization, data)
    return Status(201, subscription)


@router.patch(
    "/digest-subscriptions/{id}",
    response=SubscriptionOut,
    operation_id="digest_subscriptions_update",
    summary="Change a digest subscription",
)
def update_subscription(request: HttpRequest, id: ObjectId, payload: SubscriptionPatch) -> Any:
    """Send only the fields to change."""
    subscription: DigestSubscription = actions.access_subscription(request.user, id)
    data = _data(request, payload.model_dump(exclude_unset=True))
    return actions.check_update_subscription(request.user, subscription, data)
