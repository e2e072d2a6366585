"""API of the MISP integration: import one event, list the published feeds.

The feed files themselves are not API operations: a MISP instance fetches them from
``/misp/feeds/<token>/...`` with the token in the address (see ``views.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Body, Query, Router, Schema
from ninja.pagination import paginate
from pydantic import Field

from siaga.accounts.roles import principal_for
from siaga.core.apitools import Page
from siaga.integrations.misp import actions
from siaga.integrations.misp.importer import ImportDefaults
from siaga.organizations.models import Organization
from siaga.sharing.choices import TLP, Distribution
from siaga.sharing.forms import shareable_groups
from siaga.sharing.models import SharingGroup

router = Router(tags=["misp"])


class ImportParams(Schema):
    organization_id: int | None = Field(
        None, ge=1, le=2**63 - 1, description="The source organization; yours if you have one."
    )
    tlp: TLP = Field(
        TLP.AMBER, description="Used where the event and the attribute carry no TLP tag."
    )
    distribution: Distribution = Field(
        Distribution.ORGANIZATION, description="Used where the event's distribution is inherit."
    )
    sharing_group_id: int | None = Field(None, ge=1, le=2**63 - 1)


class MispImportOut(Schema):
    events: list[str] = Field(description="Each imported event as 'uuid: info'.")
    created: int
    updated: int
    sightings: int
    unchanged: int = Field(
        description="Values of attributes not changed in MISP since they were last imported."
    )
    not_imported: dict[str, int] = Field(
        description="MISP attribute types not imported, with how many of each."
    )
    not_imported_lines: list[str]
    problems: list[str] = Field(description="Values that were not valid, and why (first 200).")
    problem_count: int


class FeedOut(Schema):
    id: int
    uuid: str
    name: str
    organization_id: int | None = Field(description="The audience; null for the public feed.")
    prefix: str = Field(description="The start of the token, to recognize it.")
    is_active: bool
    created_at: datetime
    revoked_at: datetime | None
    last_fetched_at: datetime | None

    @staticmethod
    def resolve_uuid(obj: Any) -> str:
        return str(obj.uuid)


@router.post(
    "/misp/events",
    response=MispImportOut,
    operation_id="misp_events_import",
    summary="Import a MISP event",
)
def import_event(
    request: HttpRequest, params: Query[ImportParams], event: Body[dict[str, Any]]
) -> Any:
    """Send the event as MISP exports it (``{"Event": {...}}``). Attributes become indicators of
    the source organization; importing the same event again updates them. Needs
    ``indicator.add`` in the source organization."""
    defaults = ImportDefaults(
        organization=_organization(request.user, params.organization_id),
        tlp=params.tlp,
        distribution=params.distribution,
        sharing_group=_sharing_group(request.user, params.sharing_group_id),
        created_by=request.user,
    )
    return actions.check_import_event(request.user, event, defaults).as_dict()


@router.get(
    "/misp/feeds",
    response=list[FeedOut],
    operation_id="misp_feeds_list",
    summary="List MISP feeds",
)
@paginate(Page)
def list_feeds(request: HttpRequest) -> Any:
    """The MISP-format feeds published for subscribing MISP instances (CERT staff)."""
    if not principal_for(request.user).has_perm("mispfeed.view"):
        raise PermissionDenied(_("You may not see the MISP feeds."))
    return actions.visible_feeds(request.user).order_by("name", "pk")


def _organization(user: Any, pk: int | None) -> Organization:
    principal = principal_for(user)
    if pk is None:
        allowed = [o for o, _role in principal.roles if principal.has_perm("indicator.add", o)]
        organization = Organization.objects.filter(pk__in=allowed).order_by("name").first()
        if organization is None:
            raise PermissionDenied(_("You may not add indicators for any organization."))
        return organization
    organization = Organization.objects.filter(pk=pk).first()
    if organization is None:
        raise ValidationError({"organization_id": _("Unknown organization.")})
    return organization


def _sharing_group(user: Any, pk: int | None) -> SharingGroup | None:
    if pk is None:
        return None
    group = shareable_groups(user).filter(pk=pk).first()
    if group is None:
        raise ValidationError({"sharing_group_id": _("Unknown sharing group.")})
    return group
