"""API of the audit trail, for those who may view it (CERT administrators and auditors)."""

from datetime import datetime
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import FilterLookup, FilterSchema, Query, Router, Schema
from ninja.pagination import paginate
from pydantic import Field

from siaga.accounts.roles import principal_for
from siaga.audit.choices import AuditAction
from siaga.audit.models import AuditEntry
from siaga.core.apitools import MAX_ID, ObjectId, Page, Text, Timestamp, optional

router = Router(tags=["audit"])


class AuditEntryOut(Schema):
    id: int
    seq: int
    created_at: datetime
    actor_id: int | None
    actor_label: str
    via: str
    action: str = Field(description="One of the `action` filter's values.")
    object_type: str
    object_id: str
    object_repr: str
    changes: dict[str, Any]
    ip_address: str | None
    user_agent: str
    request_id: str
    prev_hash: str
    entry_hash: str


class AuditFilter(FilterSchema):
    action: AuditAction = optional()
    actor_id: int = optional(ge=1, le=MAX_ID)
    object_type: Text = optional(max_length=100, description="e.g. organizations.organization")
    object_id: Text = optional(max_length=64)
    since: Annotated[Timestamp, FilterLookup("created_at__gte")] = optional(
        description="Entries at or after this time (with a time zone)."
    )
    until: Annotated[Timestamp, FilterLookup("created_at__lte")] = optional(
        description="Entries at or before this time (with a time zone)."
    )


@router.get(
    "/audit",
    response=list[AuditEntryOut],
    operation_id="audit_list",
    summary="List audit entries",
)
@paginate(Page)
def list_entries(request: HttpRequest, filters: Query[AuditFilter]) -> Any:
    """Newest first. Only auditors and the CERT's administrators may read the audit trail."""
    if not principal_for(request.user).has_perm("audit.view"):
        raise PermissionDenied(_("You may not view the audit trail."))
    return filters.filter(AuditEntry.objects.restrict(request.user, "view")).order_by("-seq")


@router.get(
    "/audit/{id}", response=AuditEntryOut, operation_id="audit_get", summary="Get an audit entry"
)
def get_entry(request: HttpRequest, id: ObjectId) -> Any:
    return get_object_or_404(AuditEntry.objects.restrict(request.user, "view"), pk=id)
