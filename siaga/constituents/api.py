"""API of the constituent registry: constituents, contacts, network assets, inventory, lookup."""

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import FilterLookup, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict, Field

from siaga.audit.actions import record_personal_data_listing, record_sensitive_view
from siaga.constituents import actions
from siaga.constituents.choices import (
    AssetKind,
    AssetStatus,
    ContactLanguage,
    ContactRole,
    Criticality,
    InventoryKind,
    NotificationKind,
    Province,
    ReviewDecision,
)
from siaga.constituents.models import (
    ConstituentProfile,
    NetworkAsset,
)
from siaga.core.apitools import ObjectId, Page, PageParams, Text, optional
from siaga.organizations.api import OrganizationBrief
from siaga.organizations.choices import ConstituentType

router = Router(tags=["constituents"])

MAX_RECORDS = 2_147_483_647


# --- Schemas ------------------------------------------------------------------------------------


class UserRef(Schema):
    id: int
    email: str
    full_name: str


class ProfileOut(Schema):
    province: Province | None
    province_name: str
    city: str
    is_vital_infrastructure: bool
    holds_personal_health_data: bool
    health_records_estimate: int | None
    notes: str
    updated_at: datetime

    @staticmethod
    def resolve_province(obj: ConstituentProfile) -> str | None:
        return obj.province or None

    @staticmethod
    def resolve_province_name(obj: ConstituentProfile) -> str:
        return str(obj.get_province_display()) if obj.province else ""


class ConstituentOut(Schema):
    id: int
    name: str
    short_name: str
    constituent_type: ConstituentType | None
    is_active: bool
    profile: ProfileOut | None = Field(description="Null until someone describes the constituent.")

    @staticmethod
    def resolve_constituent_type(obj: Any) -> str | None:
        return obj.constituent_type or None

    @staticmethod
    def resolve_profile(obj: Any) -> ConstituentProfile | None:
        return actions.profile_of(obj)


class ConstituentFilter(FilterSchema):
    q: Annotated[Text, FilterLookup("name__icontains")] = optional(
        max_length=200, description="Part of the name."
    )
    constituent_type: ConstituentType = optional()
    province: Annotated[Province, FilterLookup("profile__province")] = optional()
    is_vital_infrastructure: Annotated[bool, FilterLookup("profile__is_vital_infrastructure")] = (
        optional()
    )
    holds_personal_health_data: Annotated[
        bool, FilterLookup("profile__holds_personal_health_data")
    ] = optional()


class ProfilePatch(Schema):
    """The fields to change; the profile is created on the first change."""

    model_config = ConfigDict(extra="forbid")

    province: Province | None = Field(None, description="Null clears it.")
    city: Text = optional(max_length=100)
    is_vital_infrastructure: bool = optional()
    holds_personal_health_data: bool = optional()
    health_records_estimate: int | None = Field(None, ge=0, le=MAX_RECORDS)
    notes: Text = optional(max_length=5000)


class ContactOut(Schema):
    id: int
    organization: OrganizationBrief
    name: str
    role: ContactRole
    email: str
    phone: str
    language: ContactLanguage
    notification_kinds: list[NotificationKind]
    is_active: bool
    created_at: datetime
    updated_at: datetime


class ContactIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: Text = Field(min_length=1, max_length=200)
    role: ContactRole
    email: Text = Field("", max_length=254)
    phone: Text = Field("", max_length=40)
    language: ContactLanguage = ContactLanguage.INDONESIAN
    notification_kinds: list[NotificationKind] = Field(default_factory=list, max_length=10)
    is_active: bool = True


class ContactPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    name: Text = optional(min_length=1, max_length=200)
    role: ContactRole = optional()
    email: Text = optional(max_length=254)
    phone: Text = optional(max_length=40)
    language: ContactLanguage = optional()
    notification_kinds: list[NotificationKind] = optional(max_length=10)
    is_active: bool = optional()


class OverlapOut(Schema):
    id: int
    organization: OrganizationBrief
    kind: AssetKind
    value: str
    status: AssetStatus


class AssetOut(Schema):
    id: int
    organization: OrganizationBrief
    kind: AssetKind
    value: str
    status: AssetStatus
    requested_by: UserRef | None
    reviewed_by: UserRef | None
    reviewed_at: datetime | None
    review_note: str
    created_at: datetime
    updated_at: datetime
    overlap_count: int = Field(
        description="How many approved or pending assets of other organizations overlap this one."
    )
    overlaps: list[OverlapOut] = Field(description="Those of the overlapping assets you may see.")

    @staticmethod
    def resolve_overlaps(obj: NetworkAsset) -> list[NetworkAsset]:
        return getattr(obj, "overlapping", [])  # set by actions.attach_overlaps


class AssetPage(Schema):
    count: int
    next: str | None
    previous: str | None
    results: list[AssetOut]


class AssetFilter(Schema):
    status: AssetStatus | None = None
    kind: AssetKind | None = None


class AssetIn(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: AssetKind
    value: Text = Field(
        min_length=1,
        max_length=300,
        description="A network (192.0.2.0/24), an AS number (AS64500 or 64500) or a domain.",
    )


class ReviewIn(Schema):
    model_config = ConfigDict(extra="forbid")

    decision: ReviewDecision
    note: Text = Field("", max_length=1000)


class InventoryOut(Schema):
    id: int
    organization: OrganizationBrief
    kind: InventoryKind
    name: str
    vendor: str
    product: str
    version: str
    cpe: str
    purl: str
    criticality: Criticality
    internet_exposed: bool
    location: str
    notes: str
    created_at: datetime
    updated_at: datetime


class InventoryFilter(FilterSchema):
    kind: InventoryKind = optional()
    criticality: Criticality = optional()
    internet_exposed: bool = optional()
    q: Annotated[Text, FilterLookup(["name__icontains", "product__icontains"])] = optional(
        max_length=200, description="Part of the name or product."
    )


class InventoryIn(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: InventoryKind
    name: Text = Field("", max_length=200)
    vendor: Text = Field("", max_length=200)
    product: Text = Field("", max_length=200)
    version: Text = Field("", max_length=100)
    cpe: Text = Field("", max_length=1000, description="A CPE 2.3 formatted string.")
    purl: Text = Field("", max_length=2000, description="A package URL.")
    criticality: Criticality = Criticality.MEDIUM
    internet_exposed: bool = False
    location: Text = Field("", max_length=200)
    notes: Text = Field("", max_length=5000)


class InventoryPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: InventoryKind = optional()
    name: Text = optional(max_length=200)
    vendor: Text = optional(max_length=200)
    product: Text = optional(max_length=200)
    version: Text = optional(max_length=100)
    cpe: Text = optional(max_length=1000)
    purl: Text = optional(max_length=2000)
    criticality: Criticality = optional()
    internet_exposed: bool = optional()
    location: Text = optional(max_length=200)
    notes: Text = optional(max_length=5000)


class OwnerOut(Schema):
    organization_id: int
    organization_name: str
    matched_kind: AssetKind
    matched_value: str


class LookupOut(Schema):
    value: str
    kind: Literal["ip", "asn", "domain", "url", "email"]
    owners: list[OwnerOut]


def _data(payload: Schema, **dump: Any) -> dict[str, Any]:
    return payload.model_dump(mode="json", **dump)


# --- Constituents -------------------------------------------------------------------------------


@router.get(
    "/constituents",
    response=list[ConstituentOut],
    operation_id="constituents_list",
    summary="List constituents",
)
@paginate(Page)
def list_constituents(request: HttpRequest, filters: Query[ConstituentFilter]) -> Any:
    """The constituents you may see, by name, each with its profile."""
    return filters.filter(actions.visible_constituents(request.user)).order_by("name", "pk")


@router.get(
    "/constituents/{org_id}",
    response=ConstituentOut,
    operation_id="constituents_get",
    summary="Get a constituent",
)
def get_constituent(request: HttpRequest, org_id: ObjectId) -> Any:
    return actions.access_constituent(request.user, org_id)


@router.patch(
    "/constituents/{org_id}/profile",
    response=ConstituentOut,
    operation_id="constituents_profile_update",
    summary="Change a constituent's profile",
)
def update_profile(request: HttpRequest, org_id: ObjectId, payload: ProfilePatch) -> Any:
    """Send only the fields to change. CERT staff, or the constituent's own administrators."""
    organization = actions.access_constituent(request.user, org_id)
    data = _data(payload, exclude_unset=True)
    if "province" in data:
        data["province"] = data["province"] or ""
    actions.check_update_profile(request.user, organization, data)
    return organization


# --- Contacts -----------------------------------------------------------------------------------


@router.get(
    "/constituents/{org_id}/contacts",
    response=list[ContactOut],
    operation_id="constituents_contacts_list",
    summary="List a constituent's contacts",
)
@paginate(Page)
def list_contacts(request: HttpRequest, org_id: ObjectId) -> Any:
    """Personal data: every listing is written to the audit trail."""
    organization = actions.access_constituent(request.user, org_id)
    contacts = actions.visible_contacts(request.user, organization)
    record_personal_data_listing(organization, contacts.count())
    return contacts.select_related("organization").order_by("name", "pk")


@router.post(
    "/constituents/{org_id}/contacts",
    response={201: ContactOut},
    operation_id="constituents_contacts_create",
    summary="Add a contact",
)
def create_contact(request: HttpRequest, org_id: ObjectId, payload: ContactIn) -> Any:
    organization = actions.access_constituent(request.user, org_id)
    return Status(201, actions.check_create_contact(request.user, organization, _data(payload)))


@router.get(
    "/contacts/{id}", response=ContactOut, operation_id="contacts_get", summary="Get a contact"
)
def get_contact(request: HttpRequest, id: ObjectId) -> Any:
    contact = actions.access_contact(request.user, id)
    record_sensitive_view(contact)
    return contact


@router.patch(
    "/contacts/{id}",
    response=ContactOut,
    operation_id="contacts_update",
    summary="Change a contact",
)
def update_contact(request: HttpRequest, id: ObjectId, payload: ContactPatch) -> Any:
    contact = actions.access_contact(request.user, id)
    return actions.check_update_contact(request.user, contact, _data(payload, exclude_unset=True))


@router.delete(
    "/contacts/{id}",
    response={204: None},
    operation_id="contacts_delete",
    summary="Remove a contact",
)
def delete_contact(request: HttpRequest, id: ObjectId) -> Any:
    actions.check_delete_contact(request.user, actions.access_contact(request.user, id))
    return Status(204, None)


# --- Network assets -----------------------------------------------------------------------------


def _with_overlaps(request: HttpRequest, asset: NetworkAsset) -> NetworkAsset:
    actions.attach_overlaps(request.user, [asset])
    return asset


@router.get(
    "/constituents/{org_id}/network-assets",
    response=AssetPage,
    operation_id="constituents_network_assets_list",
    summary="List a constituent's network assets",
)
def list_assets(
    request: HttpRequest,
    org_id: ObjectId,
    filters: Query[AssetFilter],
    page: Query[PageParams],
) -> Any:
    """Each asset with the overlapping assets of other organizations."""
    organization = actions.access_constituent(request.user, org_id)
    assets = actions.visible_assets(request.user).filter(organization=organization)
    if filters.status:
        assets = assets.filter(status=filters.status)
    if filters.kind:
        assets = assets.filter(kind=filters.kind)
    answer = Page().paginate_queryset(assets.order_by("kind", "value", "pk"), page, request)
    actions.attach_overlaps(request.user, answer["results"])
    return answer


@router.post(
    "/constituents/{org_id}/network-assets",
    response={201: AssetOut},
    operation_id="constituents_network_assets_create",
    summary="Add a network asset",
)
def create_asset(request: HttpRequest, org_id: ObjectId, payload: AssetIn) -> Any:
    """CERT staff register it at once; a constituent's administrator's request waits for review."""
    organization = actions.access_constituent(request.user, org_id)
    asset = actions.check_add_asset(request.user, organization, payload.kind.value, payload.value)
    return Status(201, _with_overlaps(request, asset))


@router.get(
    "/network-assets/{id}",
    response=AssetOut,
    operation_id="network_assets_get",
    summary="Get a network asset",
)
def get_asset(request: HttpRequest, id: ObjectId) -> Any:
    return _with_overlaps(request, actions.access_asset(request.user, id))


@router.delete(
    "/network-assets/{id}",
    response={202: AssetOut, 204: None},
    operation_id="network_assets_delete",
    summary="Remove a network asset",
)
def delete_asset(request: HttpRequest, id: ObjectId) -> Any:
    """CERT staff remove it (204). A constituent's administrator asks for the removal of a
    registered asset (202, status removal_pending) and withdraws a pending request (204)."""
    outcome = actions.check_remove_asset(request.user, actions.access_asset(request.user, id))
    if outcome.deleted:
        return Status(204, None)
    return Status(202, _with_overlaps(request, actions.access_asset(request.user, id)))


@router.post(
    "/network-assets/{id}/review",
    response=AssetOut | None,
    operation_id="network_assets_review",
    summary="Approve or reject a network asset request",
)
def review_asset(request: HttpRequest, id: ObjectId, payload: ReviewIn) -> Any:
    """CERT staff only. Approving a removal request deletes the asset (answered with null)."""
    asset = actions.access_asset(request.user, id)
    outcome = actions.check_review_asset(request.user, asset, payload.decision.value, payload.note)
    if outcome.deleted:
        return None
    return _with_overlaps(request, actions.access_asset(request.user, id))


# --- Inventory ----------------------------------------------------------------------------------


@router.get(
    "/constituents/{org_id}/inventory",
    response=list[InventoryOut],
    operation_id="constituents_inventory_list",
    summary="List a constituent's inventory",
)
@paginate(Page)
def list_inventory(request: HttpRequest, org_id: ObjectId, filters: Query[InventoryFilter]) -> Any:
    organization = actions.access_constituent(request.user, org_id)
    items = filters.filter(actions.visible_inventory(request.user, organization))
    return items.select_related("organization").order_by("kind", "name", "product", "pk")


@router.post(
    "/constituents/{org_id}/inventory",
    response={201: InventoryOut},
    operation_id="constituents_inventory_create",
    summary="Add an inventory item",
)
def create_item(request: HttpRequest, org_id: ObjectId, payload: InventoryIn) -> Any:
    organization = actions.access_constituent(request.user, org_id)
    return Status(201, actions.check_create_item(request.user, organization, _data(payload)))


@router.get(
    "/inventory/{id}",
    response=InventoryOut,
    operation_id="inventory_get",
    summary="Get an inventory item",
)
def get_item(request: HttpRequest, id: ObjectId) -> Any:
    return actions.access_item(request.user, id)


@router.patch(
    "/inventory/{id}",
    response=InventoryOut,
    operation_id="inventory_update",
    summary="Change an inventory item",
)
def update_item(request: HttpRequest, id: ObjectId, payload: InventoryPatch) -> Any:
    item = actions.access_item(request.user, id)
    return actions.check_update_item(request.user, item, _data(payload, exclude_unset=True))


@router.delete(
    "/inventory/{id}",
    response={204: None},
    operation_id="inventory_delete",
    summary="Remove an inventory item",
)
def delete_item(request: HttpRequest, id: ObjectId) -> Any:
    actions.check_delete_item(request.user, actions.access_item(request.user, id))
    return Status(204, None)


# --- Lookup -------------------------------------------------------------------------------------


class LookupParams(Schema):
    value: Text = Field(
        min_length=1,
        max_length=2048,
        description="An IP address, domain, URL, e-mail address or AS number (AS64500 or 64500).",
    )


@router.get(
    "/lookup",
    response=LookupOut,
    operation_id="constituents_lookup",
    summary="Who owns an IP address, domain or AS number",
)
def lookup(request: HttpRequest, params: Query[LookupParams]) -> Any:
    """From the approved assets of active constituents; CERT staff and the coordination group."""
    query, owners = actions.check_lookup(request.user, params.value)
    return {"value": params.value, "kind": query.kind, "owners": owners}
