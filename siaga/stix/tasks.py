"""Background work of the stix app: the ``stix.import`` job that imports an uploaded bundle.

The job streams the stored file in batches of ``siaga.stix.importer.BATCH_SIZE`` objects (5,000:
a few megabytes of memory whatever the file's size), reports progress in bytes of the file, and
each batch commits on its own; a job run again after its worker died re-imports the file from the
start, and the versions stored already count as duplicates. The file is deleted once imported.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils.translation import gettext_lazy as _

from siaga.jobs.registry import job_kind
from siaga.jobs.runner import JobContext
from siaga.stix.actions import JOB_KIND, do_import_file, labels_from_job_params, upload_dir

PARAMS = {"file", "filename", "organization", "tlp", "distribution", "sharing_group"}


def clean_import_params(params: dict[str, Any]) -> dict[str, Any]:
    unknown = set(params) - PARAMS
    if unknown:
        raise ValueError(f"unknown parameters: {', '.join(sorted(unknown))}")
    name = str(params.get("file", ""))
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError("file must be the name of an uploaded bundle")
    return params


@job_kind(
    JOB_KIND,
    _("Import a STIX bundle"),
    permission="stixobject.add",
    clean_params=clean_import_params,
    startable_by_users=False,  # started by uploading a file (stix:import, the API)
)
def import_stix_job(context: JobContext) -> dict[str, Any]:
    params = clean_import_params(context.params)
    path = upload_dir() / params["file"]
    labels = labels_from_job_params(params, context.job.created_by)
    if not path.exists():
        raise FileNotFoundError(f"the uploaded file {params['file']} is gone")

    def progress(objects: int, done: int, total: int) -> None:
        context.progress(done, total or None, f"{objects} objects read")

    result = do_import_file(
        path, labels, source=params.get("filename") or path.name, progress=progress
    )
    context.log(
        f"{result.added} added, {result.duplicates} duplicates, {result.failed} failed, "
        f"{result.pending_references} pending references"
    )
    path.unlink(missing_ok=True)
    return result.as_dict()


@shared_task(name="siaga.stix.tasks.publish_in_background")
def publish_in_background(indicator_ids: list[int], sighting_ids: list[int]) -> dict[str, int]:
    """Publish a large change (an import's indicators) into the STIX store, off the request."""
    from siaga.stix.publish import publish_indicators, publish_sightings

    return {
        "indicators": publish_indicators(indicator_ids),
        "sightings": publish_sightings(sighting_ids),
    }
