"""API of organizations, their members and invitations, and of user profiles."""

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import FilterLookup, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict, Field

from siaga.accounts.models import User
from siaga.accounts.roles import Role
from siaga.audit.actions import record_personal_data_listing, record_sensitive_view
from siaga.core.apitools import EmailAddress, ObjectId, Page, Text, optional
from siaga.organizations import actions
from siaga.organizations.choices import ConstituentType, OrganizationKind
from siaga.organizations.models import Invitation, Membership, Organization

router = Router(tags=["organizations"])


# --- Schemas ------------------------------------------------------------------------------------


class UserRef(Schema):
    id: int
    email: str
    full_name: str


class OrganizationRef(Schema):
    id: int
    name: str
    short_name: str
    kind: OrganizationKind


class OrganizationBrief(Schema):
    """An organization named in another object: its id and name."""

    id: int
    name: str


class RoleInOrganization(Schema):
    """One of a user's memberships, as seen from the user."""

    id: int
    organization: OrganizationRef
    role: Role
    role_label: str

    @staticmethod
    def resolve_role_label(obj: Membership) -> str:
        return str(obj.get_role_display())


def visible_memberships(user: Any, viewer: Any) -> list[Membership]:
    """The user's memberships in organizations the viewer may see the members of."""
    return list(
        Membership.objects.restrict(viewer, "view")
        .filter(user=user)
        .select_related("organization")
        .order_by("organization__name", "pk")
    )


class UserOut(Schema):
    id: int
    email: str
    full_name: str
    phone: str
    language: str
    time_zone: str
    is_active: bool
    date_joined: datetime
    memberships: list[RoleInOrganization]

    @staticmethod
    def resolve_memberships(obj: User, context: dict[str, Any]) -> list[Membership]:
        return visible_memberships(obj, context["request"].user)


class OrganizationOut(Schema):
    id: int
    name: str
    short_name: str
    kind: OrganizationKind
    constituent_type: ConstituentType | None
    email: str
    website: str
    is_active: bool
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_constituent_type(obj: Organization) -> str | None:
        return obj.constituent_type or None


class OrganizationIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: Text = Field(min_length=1, max_length=200)
    short_name: Text = Field("", max_length=40)
    kind: OrganizationKind
    constituent_type: ConstituentType | None = Field(
        None, description="Required for constituents, empty (null) for the others."
    )
    email: Text = Field("", max_length=254)
    website: Text = Field("", max_length=200)
    is_active: bool = True


class OrganizationPatch(Schema):
    """The fields to change; a constituent's administrator may change only short_name, email, website."""

    model_config = ConfigDict(extra="forbid")

    name: Text = optional(min_length=1, max_length=200)
    short_name: Text = optional(max_length=40)
    kind: OrganizationKind = optional()
    constituent_type: ConstituentType | None = None
    email: Text = optional(max_length=254)
    website: Text = optional(max_length=200)
    is_active: bool = optional()


class OrganizationFilter(FilterSchema):
    kind: OrganizationKind = optional()
    constituent_type: ConstituentType = optional()
    q: Annotated[Text, FilterLookup("name__icontains")] = optional(
        max_length=200, description="Part of the name."
    )
    is_active: bool = optional()


class MemberOut(Schema):
    id: int
    user: UserRef
    role: Role
    role_label: str
    created_at: datetime

    @staticmethod
    def resolve_role_label(obj: Membership) -> str:
        return str(obj.get_role_display())


class MemberFilter(FilterSchema):
    role: Role = optional()


class MembershipOut(MemberOut):
    organization: OrganizationRef


class MembershipPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    role: Role


class InvitationIn(Schema):
    model_config = ConfigDict(extra="forbid")

    email: EmailAddress
    role: Role


class InvitationOut(Schema):
    id: int
    email: str
    organization: OrganizationRef
    role: Role
    status: Literal["open", "accepted", "revoked", "expired"]
    invited_by: UserRef | None
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None

    @staticmethod
    def resolve_status(obj: Invitation) -> str:
        if obj.accepted_at:
            return "accepted"
        if obj.revoked_at:
            return "revoked"
        return "open" if obj.is_open else "expired"


def _organization_data(payload: OrganizationIn | OrganizationPatch, **dump: Any) -> dict[str, Any]:
    data = payload.model_dump(mode="json", **dump)
    if "constituent_type" in data:
        data["constituent_type"] = data["constituent_type"] or ""  # the model stores "" for none
    return data


# --- Organizations ------------------------------------------------------------------------------


@router.get(
    "/organizations",
    response=list[OrganizationOut],
    operation_id="organizations_list",
    summary="List organizations",
)
@paginate(Page)
def list_organizations(request: HttpRequest, filters: Query[OrganizationFilter]) -> Any:
    """The organizations you may see, by name."""
    return filters.filter(Organization.objects.restrict(request.user, "view")).order_by("name")


@router.post(
    "/organizations",
    response={201: OrganizationOut},
    operation_id="organizations_create",
    summary="Create an organization",
)
def create_organization(request: HttpRequest, payload: OrganizationIn) -> Any:
    """Needs the permission to add organizations (CERT administrators)."""
    return Status(201, actions.check_create_organization(request.user, _organization_data(payload)))


@router.get(
    "/organizations/{id}",
    response=OrganizationOut,
    operation_id="organizations_get",
    summary="Get an organization",
)
def get_organization(request: HttpRequest, id: ObjectId) -> Any:
    return actions.access_organization(request.user, id)


@router.patch(
    "/organizations/{id}",
    response=OrganizationOut,
    operation_id="organizations_update",
    summary="Change an organization",
)
def update_organization(request: HttpRequest, id: ObjectId, payload: OrganizationPatch) -> Any:
    """Send only the fields to change."""
    organization = actions.access_organization(request.user, id)
    data = _organization_data(payload, exclude_unset=True)
    return actions.check_update_organization(request.user, organization, data)


# --- Members and invitations --------------------------------------------------------------------


@router.get(
    "/organizations/{id}/members",
    response=list[MemberOut],
    operation_id="organizations_members_list",
    summary="List the members of an organization",
)
@paginate(Page)
def list_members(request: HttpRequest, id: ObjectId, filters: Query[MemberFilter]) -> Any:
    organization = actions.access_organization(request.user, id)
    members = filters.filter(
        Membership.objects.restrict(request.user, "view").filter(organization=organization)
    )
    record_personal_data_listing(organization, members.count())  # names and e-mail addresses
    return members.select_related("user").order_by("user__full_name", "user__email", "pk")


@router.post(
    "/organizations/{id}/invitations",
    response={201: InvitationOut},
    operation_id="organizations_invitations_create",
    summary="Invite someone to an organization",
)
def create_invitation(request: HttpRequest, id: ObjectId, payload: InvitationIn) -> Any:
    """Sends the invitation e-mail; the link in it is valid for seven days."""
    organization = actions.access_organization(request.user, id)
    invitation = actions.check_invite(request.user, organization, payload.email, payload.role.value)
    return Status(201, invitation)


@router.get(
    "/organizations/{id}/invitations",
    response=list[InvitationOut],
    operation_id="organizations_invitations_list",
    summary="List the invitations of an organization",
)
@paginate(Page)
def list_invitations(request: HttpRequest, id: ObjectId) -> Any:
    """Newest first, whatever their state; for those who may invite members."""
    organization = actions.access_organization(request.user, id)
    return actions.access_invitations(request.user, organization).order_by("-created_at", "-pk")


@router.delete(
    "/invitations/{id}",
    response={204: None},
    operation_id="invitations_revoke",
    summary="Revoke an invitation",
)
def revoke_invitation(request: HttpRequest, id: ObjectId) -> Any:
    invitation = actions.access_invitation(request.user, id)
    actions.check_revoke_invitation(request.user, invitation)
    return Status(204, None)


def _membership(request: HttpRequest, pk: int) -> Membership:
    visible = Membership.objects.restrict(request.user, "view")
    return get_object_or_404(visible.select_related("user", "organization"), pk=pk)


@router.patch(
    "/memberships/{id}",
    response=MembershipOut,
    operation_id="memberships_update",
    summary="Change a member's role",
)
def update_membership(request: HttpRequest, id: ObjectId, payload: MembershipPatch) -> Any:
    membership = _membership(request, id)
    return actions.check_change_role(request.user, membership, payload.role.value)


@router.delete(
    "/memberships/{id}",
    response={204: None},
    operation_id="memberships_delete",
    summary="Remove a member from an organization",
)
def delete_membership(request: HttpRequest, id: ObjectId) -> Any:
    actions.check_remove_member(request.user, _membership(request, id))
    return Status(204, None)


# --- Users --------------------------------------------------------------------------------------


@router.get(
    "/users/{id}", response=UserOut, operation_id="users_get", summary="Get a user's profile"
)
def get_user(request: HttpRequest, id: ObjectId) -> Any:
    """A person's contact details and memberships. Every view is written to the audit trail."""
    user = get_object_or_404(User.objects.restrict(request.user, "view"), pk=id)
    record_sensitive_view(user)
    return user
