"""API of the indicator store: indicators, their sightings, and adding many at once.

Every handler reads through ``Indicator.objects.restrict(user, action)`` (via ``access_indicator``
and the list), so TLP, distribution and sharing groups apply as on the pages.
"""

from datetime import date, datetime
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict, Field

from siaga.accounts.roles import principal_for
from siaga.core.apitools import MAX_ID, ObjectId, Page, Text, Timestamp, optional
from siaga.core.observables import MAX_VALUE_LENGTH, ObservableType
from siaga.intel.actions import (
    MAX_BULK_ITEMS,
    IndicatorInput,
    access_indicator,
    check_add_indicator,
    check_add_sighting,
    check_bulk_upsert,
    check_change_indicator,
    check_delete_indicator,
)
from siaga.intel.choices import SourceKind
from siaga.intel.filters import filter_indicators
from siaga.intel.models import Indicator, Sighting
from siaga.organizations.api import OrganizationBrief
from siaga.organizations.models import Organization
from siaga.sharing.choices import TLP, Distribution
from siaga.sharing.forms import possible_recipients, shareable_groups

router = Router(tags=["intel"])

# Sources a client may name; the others are set by the importers themselves.
ClientSource = Literal["manual", "feed", "incident"]


# --- Schemas --------------------------------------------------------------------------------------


class IndicatorOut(Schema):
    id: int
    uuid: str
    type: ObservableType
    value: str
    tlp: TLP
    tlp_label: str = Field(description="The official label text, e.g. TLP:AMBER+STRICT.")
    distribution: Distribution
    sharing_group_id: int | None
    recipient_ids: list[int] = Field(description="TLP:RED: the people it is addressed to.")
    organization: OrganizationBrief = Field(description="The source organization.")
    source_kind: SourceKind
    source_ref: str
    description: str
    first_seen: datetime
    last_seen: datetime
    valid_until: datetime | None
    confidence: int
    current_score: float = Field(
        description="The confidence decayed by age since last seen; 0 after valid_until."
    )
    tags: list[str]
    attack_techniques: list[str]
    rsit: str
    warninglists: list[str] = Field(description="The warninglists the value is on.")
    alerting: bool
    pattern: str
    sighting_count: int
    false_positive_count: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_uuid(obj: Indicator) -> str:
        return str(obj.uuid)

    @staticmethod
    def resolve_tlp_label(obj: Indicator) -> str:
        return str(obj.get_tlp_display())

    @staticmethod
    def resolve_recipient_ids(obj: Indicator) -> list[int]:
        if obj.tlp != TLP.RED:
            return []
        return sorted(obj.recipients.values_list("pk", flat=True))


class SharingIn(Schema):
    organization_id: int | None = Field(
        None, ge=1, description="The source; needed only when you belong to several."
    )
    tlp: TLP = TLP.AMBER
    distribution: Distribution = Distribution.ORGANIZATION
    sharing_group_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="With distribution=sharing_group."
    )
    recipient_ids: list[int] = Field(
        default_factory=list, max_length=500, description="TLP:RED: the people to address."
    )


class IndicatorFieldsIn(Schema):
    first_seen: Timestamp | None = None
    last_seen: Timestamp | None = None
    valid_until: Timestamp | None = None
    confidence: int | None = Field(None, ge=0, le=100)
    description: Text = Field("", max_length=20000)
    tags: list[Text] = Field(default_factory=list, max_length=50)
    attack_techniques: list[Text] = Field(default_factory=list, max_length=100)
    rsit: Text = Field("", max_length=64)
    source_ref: Text = Field("", max_length=200)
    pattern: Text = Field("", max_length=20000)


class IndicatorIn(SharingIn, IndicatorFieldsIn):
    model_config = ConfigDict(extra="forbid")

    type: ObservableType
    value: Text = Field(min_length=1, max_length=MAX_VALUE_LENGTH, description="May be defanged.")


class IndicatorPatch(Schema):
    """The fields to change; lists replace the whole list. Type, value and source stay."""

    model_config = ConfigDict(extra="forbid")

    first_seen: Timestamp = optional()
    last_seen: Timestamp = optional()
    valid_until: Timestamp | None = None
    confidence: int = optional(ge=0, le=100)
    description: Text = optional(max_length=20000)
    tags: list[Text] = optional(max_length=50)
    attack_techniques: list[Text] = optional(max_length=100)
    rsit: Text = optional(max_length=64)
    source_ref: Text = optional(max_length=200)
    pattern: Text = optional(max_length=20000)
    alerting: bool = optional()
    tlp: TLP = optional()
    distribution: Distribution = optional()
    sharing_group_id: int | None = Field(None, ge=1, le=MAX_ID)
    recipient_ids: list[int] = optional(max_length=500)


class IndicatorFilter(Schema):
    type: ObservableType = optional()
    value: Text = optional(max_length=MAX_VALUE_LENGTH, description="Matched after normalization.")
    value_match: Literal["exact", "contains"] = optional(description="Default: exact.")
    tlp: TLP = optional()
    organization_id: int = optional(ge=1, le=MAX_ID, description="The source organization.")
    source_kind: SourceKind = optional()
    tag: Text = optional(max_length=100)
    technique: Text = optional(max_length=20, description="An ATT&CK technique id, e.g. T1566.")
    on_warninglist: bool = optional()
    alerting: bool = optional()
    seen_since: date = optional(description="Last seen on or after this day.")
    seen_until: date = optional(description="First seen on or before this day.")
    sharing_group_id: int = optional(ge=1, le=MAX_ID)
    active: bool = optional(description="Only indicators whose current score is above threshold.")

    def as_filters(self) -> dict[str, Any]:
        data = self.model_dump(exclude_none=True)
        data["organization"] = data.pop("organization_id", None)
        data["sharing_group"] = data.pop("sharing_group_id", None)
        return data


class SightingOut(Schema):
    id: int
    uuid: str
    indicator_id: int
    organization: OrganizationBrief
    first_seen: datetime
    last_seen: datetime
    count: int
    where: str
    is_false_positive: bool
    note: str
    tlp: TLP
    distribution: Distribution
    source_kind: SourceKind
    created_at: datetime

    @staticmethod
    def resolve_uuid(obj: Sighting) -> str:
        return str(obj.uuid)


class SightingIn(Schema):
    model_config = ConfigDict(extra="forbid")

    organization_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="Yours, if you have several."
    )
    first_seen: Timestamp | None = None
    last_seen: Timestamp | None = Field(None, description="Default: now.")
    count: int = Field(1, ge=1, le=10**9)
    where: Text = Field("", max_length=200)
    is_false_positive: bool = False
    disable_alerting: bool = Field(
        False, description="With a false positive of your own organization's indicator."
    )
    note: Text = Field("", max_length=5000)
    tlp: TLP | None = Field(None, description="Default: the indicator's labels.")
    distribution: Distribution | None = None
    sharing_group_id: int | None = Field(None, ge=1, le=MAX_ID)
    recipient_ids: list[int] = Field(default_factory=list, max_length=500)


class BulkItem(Schema):
    """One indicator; its type and value are checked one by one and problems reported."""

    model_config = ConfigDict(extra="forbid")

    type: Text = Field(max_length=32, description="One of the observable types, e.g. ip.")
    value: Text = Field(max_length=MAX_VALUE_LENGTH)
    first_seen: Timestamp | None = None
    last_seen: Timestamp | None = None
    valid_until: Timestamp | None = None
    confidence: int | None = Field(None, ge=0, le=100)
    description: Text = Field("", max_length=20000)
    tags: list[Text] = Field(default_factory=list, max_length=50)
    attack_techniques: list[Text] = Field(default_factory=list, max_length=100)
    rsit: Text = Field("", max_length=64)
    source_ref: Text = Field("", max_length=200)


class IndicatorBulkIn(SharingIn):
    model_config = ConfigDict(extra="forbid")

    source_kind: ClientSource = "manual"
    items: list[BulkItem] = Field(min_length=1, max_length=MAX_BULK_ITEMS)


class BulkProblem(Schema):
    index: int = Field(description="The item's position in `items`, from 0.")
    value: str
    message: str


class IndicatorBulkOut(Schema):
    created: int
    updated: int = Field(description="Items merged into indicators your organization had.")
    problems: list[BulkProblem]


# --- Helpers --------------------------------------------------------------------------------------


def _sharing(user: Any, payload: Any, *, with_organization: bool = True) -> dict[str, Any]:
    """The labels of a request, each id checked against what the user may use."""
    data: dict[str, Any] = {}
    fields = payload.model_fields_set
    if with_organization:
        data["organization"] = _organization(payload.organization_id)
    if "tlp" in fields or with_organization:
        data["tlp"] = payload.tlp.value if payload.tlp else None
    if "distribution" in fields or with_organization:
        data["distribution"] = payload.distribution.value if payload.distribution else None
    if "sharing_group_id" in fields or with_organization:
        data["sharing_group"] = _sharing_group(user, payload.sharing_group_id)
    if "recipient_ids" in fields or with_organization:
        data["recipients"] = _recipients(user, payload.recipient_ids or [])
    return data


def _organization(pk: int | None) -> Organization | None:
    if pk is None:
        return None
    organization = Organization.objects.filter(pk=pk).first()
    if organization is None:
        raise ValidationError({"organization_id": _("Unknown organization.")})
    return organization


def _sharing_group(user: Any, pk: int | None) -> Any:
    if pk is None:
        return None
    group = shareable_groups(user).filter(pk=pk).first()
    if group is None:
        raise ValidationError({"sharing_group_id": _("No such sharing group that you may use.")})
    return group


def _recipients(user: Any, ids: list[int]) -> list[Any]:
    wanted = set(ids)
    found = list(possible_recipients(user).filter(pk__in=sorted(wanted)))
    if len(found) != len(wanted):
        raise ValidationError({"recipient_ids": _("Unknown recipient.")})
    return found


def _fields(payload: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(payload, name) for name in names if name in payload.model_fields_set}


FIELD_NAMES = (
    "first_seen",
    "last_seen",
    "valid_until",
    "confidence",
    "description",
    "tags",
    "attack_techniques",
    "rsit",
    "source_ref",
    "pattern",
)


# --- Indicators -----------------------------------------------------------------------------------


@router.get(
    "/indicators",
    response=list[IndicatorOut],
    operation_id="indicators_list",
    summary="List indicators",
)
@paginate(Page)
def list_indicators(request: HttpRequest, filters: Query[IndicatorFilter]) -> Any:
    """The indicators shared with you, most recently seen first."""
    indicators = filter_indicators(
        Indicator.objects.restrict(request.user, "view"), filters.as_filters()
    )
    return indicators.select_related("organization").order_by("-last_seen", "-pk")


@router.post(
    "/indicators",
    response={200: IndicatorOut, 201: IndicatorOut},
    operation_id="indicators_create",
    summary="Add an indicator",
)
def create_indicator(request: HttpRequest, payload: IndicatorIn) -> Any:
    """201 with a new indicator; 200 when your organization had the value and it was merged."""
    data = {
        "type": payload.type.value,
        "value": payload.value,
        **_fields(payload, FIELD_NAMES),
        **_sharing(request.user, payload),
    }
    indicator, created = check_add_indicator(request.user, data)
    return Status(201 if created else 200, indicator)


@router.post(
    "/indicators/bulk",
    response={200: IndicatorBulkOut, 207: IndicatorBulkOut},
    operation_id="indicators_bulk",
    summary="Add many indicators",
)
def bulk_indicators(request: HttpRequest, payload: IndicatorBulkIn) -> Any:
    """Up to 10,000 items with the same labels. Valid items are saved even when others are not:
    the answer is 200 when all were, 207 with one problem per refused item otherwise."""
    inputs = [
        IndicatorInput(
            type=item.type.strip().lower(), value=item.value, **_fields(item, FIELD_NAMES[:-1])
        )
        for item in payload.items
    ]
    result = check_bulk_upsert(
        request.user, inputs, _sharing(request.user, payload), source_kind=payload.source_kind
    )
    problems = [
        {"index": index, "value": payload.items[index].value[:200], "message": message}
        for index, message in result.problems
    ]
    body = {"created": result.created, "updated": result.updated, "problems": problems}
    return Status(207 if problems else 200, body)


@router.get(
    "/indicators/{id}",
    response=IndicatorOut,
    operation_id="indicators_get",
    summary="Get an indicator",
)
def get_indicator(request: HttpRequest, id: ObjectId) -> Any:
    return access_indicator(request.user, id)


@router.patch(
    "/indicators/{id}",
    response=IndicatorOut,
    operation_id="indicators_update",
    summary="Change an indicator",
)
def update_indicator(request: HttpRequest, id: ObjectId, payload: IndicatorPatch) -> Any:
    """Send only the fields to change."""
    indicator = access_indicator(request.user, id)
    data = _fields(payload, (*FIELD_NAMES, "alerting"))
    for name in ("tlp", "distribution"):
        if name in payload.model_fields_set:
            data[name] = getattr(payload, name).value
    if "sharing_group_id" in payload.model_fields_set:
        data["sharing_group"] = _sharing_group(request.user, payload.sharing_group_id)
    if "recipient_ids" in payload.model_fields_set:
        data["recipients"] = _recipients(request.user, payload.recipient_ids or [])
    return check_change_indicator(request.user, indicator, data)


@router.delete(
    "/indicators/{id}",
    response={204: None},
    operation_id="indicators_delete",
    summary="Delete an indicator",
)
def delete_indicator(request: HttpRequest, id: ObjectId) -> Any:
    """Its sightings go with it."""
    check_delete_indicator(request.user, access_indicator(request.user, id))
    return Status(204, None)


# --- Sightings ------------------------------------------------------------------------------------


@router.get(
    "/indicators/{id}/sightings",
    response=list[SightingOut],
    operation_id="indicators_sightings_list",
    summary="List an indicator's sightings",
)
@paginate(Page)
def list_sightings(request: HttpRequest, id: ObjectId) -> Any:
    """The sightings of the indicator that are shared with you, latest first."""
    indicator = access_indicator(request.user, id)
    return (
        Sighting.objects.restrict(request.user, "view")
        .filter(indicator=indicator)
        .select_related("organization")
        .order_by("-last_seen", "-pk")
    )


@router.post(
    "/indicators/{id}/sightings",
    response={201: SightingOut},
    operation_id="indicators_sightings_create",
    summary="Report a sighting",
)
def create_sighting(request: HttpRequest, id: ObjectId, payload: SightingIn) -> Any:
    """Without labels, the sighting is shared as the indicator is."""
    indicator = access_indicator(request.user, id)
    if not principal_for(request.user).has_perm("sighting.add"):
        raise PermissionDenied(_("You may not report sightings."))
    data = payload.model_dump(
        include={
            "first_seen",
            "last_seen",
            "count",
            "where",
            "is_false_positive",
            "disable_alerting",
            "note",
        }
    )
    data["organization"] = _organization(payload.organization_id)
    if payload.tlp is not None:
        data["tlp"] = payload.tlp.value
        data["distribution"] = (payload.distribution or Distribution.ORGANIZATION).value
        data["sharing_group"] = _sharing_group(request.user, payload.sharing_group_id)
        data["recipients"] = _recipients(request.user, payload.recipient_ids)
    return Status(201, check_add_sighting(request.user, indicator, data))
