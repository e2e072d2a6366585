"""API of the TAXII client: the remote collections and "sync now"."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from siaga.core.apitools import ObjectId, Page
from siaga.integrations.taxiiclient.models import RemoteCollection
from siaga.jobs.actions import check_start_job
from siaga.jobs.api import JobOut

router = Router(tags=["taxii-client"])


class RemoteCollectionOut(Schema):
    id: int
    name: str
    api_root_url: str
    collection_id: str
    auth_kind: str
    pull_enabled: bool
    pull_every_minutes: int
    tlp: str
    distribution: str
    added_after: str
    last_pull_at: datetime | None
    push_enabled: bool
    push_from_id: int | None
    pushed_until: datetime | None
    last_push_at: datetime | None
    last_error: str
    last_result: dict[str, Any]


@router.get(
    "/taxii-remotes",
    response=list[RemoteCollectionOut],
    operation_id="taxii_remotes_list",
    summary="List remote TAXII collections",
)
@paginate(Page)
def list_remotes(request: HttpRequest) -> Any:
    """The partner collections Siaga pulls from and pushes to; credentials are never shown."""
    return RemoteCollection.objects.restrict(request.user, "view").order_by("name", "pk")


@router.get(
    "/taxii-remotes/{id}",
    response=RemoteCollectionOut,
    operation_id="taxii_remotes_get",
    summary="Get a remote TAXII collection",
)
def get_remote(request: HttpRequest, id: ObjectId) -> Any:
    return get_object_or_404(RemoteCollection.objects.restrict(request.user, "view"), pk=id)


@router.post(
    "/taxii-remotes/{id}/sync",
    response={202: JobOut},
    operation_id="taxii_remotes_sync",
    summary="Pull from and push to a remote collection now",
)
def sync_remote(request: HttpRequest, id: ObjectId) -> Any:
    """Starts a background job; follow it at /api/v1/jobs/{id}."""
    remote = get_object_or_404(RemoteCollection.objects.restrict(request.user, "change"), pk=id)
    return Status(202, check_start_job(request.user, "taxii.sync", {"remote": remote.pk}))
