"""Scheduled TAXII pulls and pushes (beat every few minutes; each remote has its own interval)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils.translation import gettext_lazy as _

from siaga.integrations.taxiiclient.actions import sync, sync_due
from siaga.integrations.taxiiclient.models import RemoteCollection
from siaga.jobs.registry import job_kind
from siaga.jobs.runner import JobContext


@shared_task(name="siaga.integrations.taxiiclient.tasks.sync_remote_collections")
def sync_remote_collections() -> dict[str, Any]:
    return sync_due()


def clean_sync_params(params: dict[str, Any]) -> dict[str, Any]:
    unknown = set(params) - {"remote"}
    if unknown:
        raise ValueError(f"unknown parameters: {', '.join(sorted(unknown))}")
    if "remote" not in params:
        return {}
    remote = int(params["remote"])
    if not RemoteCollection.objects.filter(pk=remote).exists():
        raise ValueError(f"no remote collection {remote}")
    return {"remote": remote}


@job_kind(
    "taxii.sync",
    _("Pull and push remote TAXII collections"),
    permission="remotecollection.change",
    clean_params=clean_sync_params,
)
def sync_remote_collections_job(context: JobContext) -> dict[str, Any]:
    """One remote now (``remote`` parameter), or every remote that is due."""
    if "remote" in context.params:
        remote = RemoteCollection.objects.select_related(
            "source_organization", "sharing_group", "push_from"
        ).get(pk=context.params["remote"])
        outcome = {remote.name: sync(remote).as_dict()}
    else:
        outcome = sync_due()
    for name, result in outcome.items():
        context.log(f"{name}: {result}")
    return outcome
