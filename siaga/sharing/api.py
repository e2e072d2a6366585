"""API of sharing groups: list, create, read, change, and their members."""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict, Field

from siaga.core.apitools import MAX_ID, ObjectId, Page, Text, optional
from siaga.organizations.api import OrganizationBrief
from siaga.sharing import actions
from siaga.sharing.models import SharingGroup

router = Router(tags=["sharing"])

MAX_INITIAL_MEMBERS = 1000


class SharingGroupMemberOut(Schema):
    organization: OrganizationBrief
    added_at: datetime = Field(description="When the organization joined.")


class SharingGroupOut(Schema):
    id: int
    uuid: UUID
    name: str
    description: str
    owner: OrganizationBrief
    is_active: bool
    member_count: int
    created_at: datetime
    updated_at: datetime


class SharingGroupDetailOut(SharingGroupOut):
    members: list[SharingGroupMemberOut]
    may_manage: bool = Field(description="Whether you may change the group and its members.")

    @staticmethod
    def resolve_members(obj: SharingGroup) -> list[dict[str, Any]]:
        # Plain dicts rather than model rows: a national group lists thousands of members.
        rows = actions.members_of(obj).values_list(
            "organization_id", "organization__name", "created_at"
        )
        return [
            {"organization": {"id": org_id, "name": name}, "added_at": added_at}
            for org_id, name, added_at in rows
        ]

    @staticmethod
    def resolve_may_manage(obj: SharingGroup, context: dict[str, Any]) -> bool:
        return actions.may_manage(context["request"].user, obj)


class SharingGroupFilter(Schema):
    q: Text = optional(max_length=100, description="Part of the name or description.")
    is_active: bool = optional()


class SharingGroupIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: Text = Field(min_length=1, max_length=200)
    description: Text = Field("", max_length=5000)
    owner_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="The owner CERT; default: your own CERT organization."
    )
    member_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        default_factory=list,
        max_length=MAX_INITIAL_MEMBERS,
        description="The first members; the owner is always one.",
    )


class SharingGroupPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    name: Text = optional(min_length=1, max_length=200)
    description: Text = optional(max_length=5000)
    is_active: bool = optional(description="False deactivates the group, true reactivates it.")


class MemberIn(Schema):
    model_config = ConfigDict(extra="forbid")

    organization_id: int = Field(ge=1, le=MAX_ID)


def _check_may_manage(request: HttpRequest, group: SharingGroup) -> None:
    if not actions.may_manage(request.user, group):
        raise PermissionDenied(_("Only the owner's CERT staff manage this sharing group."))


def _detail(request: HttpRequest, pk: int) -> SharingGroup:
    return actions.access_group(request.user, pk)


@router.get(
    "/sharing-groups",
    response=list[SharingGroupOut],
    operation_id="sharing_groups_list",
    summary="List sharing groups",
)
@paginate(Page)
def list_groups(request: HttpRequest, filters: Query[SharingGroupFilter]) -> Any:
    """The groups your organizations own or belong to (CERT staff and auditors: all), by name."""
    groups = actions.visible_groups(request.user)
    if filters.q:
        groups = groups.filter(Q(name__icontains=filters.q) | Q(description__icontains=filters.q))
    if filters.is_active is not None:
        groups = groups.filter(is_active=filters.is_active)
    return groups.order_by("name", "pk")


@router.post(
    "/sharing-groups",
    response={201: SharingGroupDetailOut},
    operation_id="sharing_groups_create",
    summary="Create a sharing group",
)
def create_group(request: HttpRequest, payload: SharingGroupIn) -> Any:
    """CERT staff. The owner (your CERT by default) is always a member."""
    data: dict[str, Any] = {"name": payload.name, "description": payload.description}
    if payload.owner_id is not None:
        data["owner"] = actions.access_organization(request.user, payload.owner_id, "owner_id")
    data["members"] = [
        actions.access_organization(request.user, pk, "member_ids")
        for pk in sorted(set(payload.member_ids))
    ]
    group = actions.check_create_group(request.user, data)
    return Status(201, _detail(request, group.pk))


@router.get(
    "/sharing-groups/{id}",
    response=SharingGroupDetailOut,
    operation_id="sharing_groups_get",
    summary="Get a sharing group with its members",
)
def get_group(request: HttpRequest, id: ObjectId) -> Any:
    return _detail(request, id)


@router.patch(
    "/sharing-groups/{id}",
    response=SharingGroupDetailOut,
    operation_id="sharing_groups_update",
    summary="Change a sharing group",
)
def update_group(request: HttpRequest, id: ObjectId, payload: SharingGroupPatch) -> Any:
    """Send only the fields to change. The owner's CERT staff and the CERT's administrators."""
    group = _detail(request, id)
    actions.check_change_group(request.user, group, payload.model_dump(exclude_unset=True))
    return _detail(request, id)


@router.post(
    "/sharing-groups/{id}/members",
    response={201: SharingGroupDetailOut},
    operation_id="sharing_groups_members_add",
    summary="Add a member organization",
)
def add_member(request: HttpRequest, id: ObjectId, payload: MemberIn) -> Any:
    group = _detail(request, id)
    _check_may_manage(request, group)  # before the id is looked up: reveal nothing to others
    organization = actions.access_organization(request.user, payload.organization_id)
    actions.check_add_member(request.user, group, organization)
    return Status(201, _detail(request, id))


@router.delete(
    "/sharing-groups/{id}/members/{org_id}",
    response={204: None},
    operation_id="sharing_groups_members_remove",
    summary="Remove a member organization",
)
def remove_member(request: HttpRequest, id: ObjectId, org_id: ObjectId) -> Any:
    """Its people stop seeing what is shared with the group from their next request on."""
    group = _detail(request, id)
    _check_may_manage(request, group)
    membership = get_object_or_404(actions.members_of(group), organization_id=org_id)
    actions.check_remove_member(request.user, group, membership.organization)
    return Status(204, None)
