"""API of the STIX store: the stored object versions a caller may see.

Every answer reads through ``StixObject.objects.restrict(user, "view")``, so TLP, distribution
and sharing groups apply as on the pages and in TAXII.
"""

from datetime import datetime
from typing import Any

import orjson
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from pydantic import Field

from siaga.accounts.roles import principal_for
from siaga.core.apitools import ObjectId, Page, Text, optional
from siaga.sharing.choices import TLP, Distribution
from siaga.stix.actions import access_object, pending_references_of, visible_objects
from siaga.stix.filters import filter_objects

router = Router(tags=["stix"])


class StixObjectOut(Schema):
    id: int
    stix_id: str
    type: str
    spec_version: str
    version: datetime
    date_added: datetime
    is_latest: bool
    revoked: bool
    tlp: TLP
    distribution: Distribution
    sharing_group_id: int | None
    organization_id: int = Field(description="The source organization.")
    source: str = Field(description="Where it came from: a file name, a TAXII collection ...")


class PendingReferenceOut(Schema):
    property_name: str
    target_id: str


class StixObjectDetailOut(StixObjectOut):
    object: dict[str, Any] = Field(description="The STIX object as stored.")
    pending_references: list[PendingReferenceOut] = Field(
        description="References to objects Siaga does not hold yet."
    )


class ObjectFilter(Schema):
    type: Text = optional(
        max_length=64,
        pattern=r"^[a-z0-9][a-z0-9-]*[a-z0-9]$",
        description="Only objects of this STIX type.",
    )
    id: Text = optional(max_length=120, description="Only versions of this STIX id.")
    q: Text = optional(max_length=120, description="STIX ids starting with this text.")
    all_versions: bool = optional(description="Every version, not only the latest.")


@router.get(
    "/stix/objects",
    response=list[StixObjectOut],
    operation_id="stix_objects_list",
    summary="List stored STIX objects",
)
@paginate(Page)
def list_objects(request: HttpRequest, filters: Query[ObjectFilter]) -> Any:
    """The latest version of each object shared with you (every version with
    ``all_versions=true``), most recently added first."""
    if not principal_for(request.user).has_perm("stixobject.view"):
        raise PermissionDenied
    return filter_objects(visible_objects(request.user), filters.dict(exclude_none=True))


@router.get(
    "/stix/objects/{id}",
    response=StixObjectDetailOut,
    operation_id="stix_objects_get",
    summary="Get a stored STIX object",
)
def get_object(request: HttpRequest, id: ObjectId) -> Any:
    """One stored version (``id`` is the row's id from the list), with its JSON."""
    obj = access_object(request.user, id)
    obj.object = orjson.loads(obj.raw)  # type: ignore[attr-defined]
    obj.pending_references = list(pending_references_of(obj))  # type: ignore[attr-defined]
    return obj
