"""STIX imports as the pages, the API, the command line and jobs start them.

``check_*`` checks the user's permission and input, then calls a ``do_*`` that imports and writes
one audit entry per import. A small bundle is imported at once (``do_import_objects``); a file is
stored under ``upload_dir()`` and imported by the ``stix.import`` job (``siaga.stix.tasks``),
which streams it, reports progress and deletes it when done.
"""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from siaga.accounts.roles import principal_for
from siaga.audit.actions import do_record_event
from siaga.audit.choices import AuditAction
from siaga.jobs.actions import do_enqueue_job
from siaga.jobs.models import Job
from siaga.organizations.models import Organization
from siaga.sharing.choices import Distribution
from siaga.sharing.forms import shareable_groups
from siaga.sharing.models import SharingGroup, validate_sharing
from siaga.stix.importer import (
    ImportResult,
    ProgressCallback,
    SharingLabels,
    import_bundle_file,
    import_objects,
)
from siaga.stix.models import PendingReference, StixObject

# A bundle posted as JSON is imported while the client waits: at most this many bytes/objects.
SYNC_MAX_BYTES: int = getattr(settings, "SIAGA_STIX_SYNC_MAX_BYTES", 10 * 1024 * 1024)
SYNC_MAX_OBJECTS: int = getattr(settings, "SIAGA_STIX_SYNC_MAX_OBJECTS", 20_000)
# An uploaded file (imported by a job) may be this large.
UPLOAD_MAX_BYTES: int = getattr(settings, "SIAGA_STIX_UPLOAD_MAX_MB", 2048) * 1024 * 1024
JOB_KIND = "stix.import"


def upload_dir() -> Path:
    """Where uploaded bundles wait for their job (tests keep their own folder; see settings)."""
    return Path(settings.SIAGA_STIX_UPLOAD_DIR)


# --- labels ---------------------------------------------------------------------------------------


def check_labels(
    user: Any,
    *,
    organization: Organization | int | None,
    tlp: str,
    distribution: str,
    sharing_group: SharingGroup | int | None = None,
) -> SharingLabels:
    """The labels a user may import with: an organization where they hold ``stixobject.add``,
    a sharing group they may share to, and a TLP and distribution that agree."""
    principal = principal_for(user)
    if not principal.has_perm("stixobject.add"):
        raise PermissionDenied(_("You may not import STIX objects."))
    org = _importing_organization(user, organization)
    if not principal.has_perm("stixobject.add", org.pk):
        raise PermissionDenied(_("You may not import STIX objects for this organization."))
    group = None
    if sharing_group is not None:
        group_id = sharing_group.pk if isinstance(sharing_group, SharingGroup) else sharing_group
        group = shareable_groups(user).filter(pk=group_id).first()
        if group is None:
            raise ValidationError({"sharing_group": _("Choose a sharing group you share to.")})
    validate_sharing(tlp, distribution, group)
    return SharingLabels(
        organization=org, tlp=tlp, distribution=distribution, sharing_group=group, created_by=user
    )


def _importing_organization(user: Any, organization: Organization | int | None) -> Organization:
    principal = principal_for(user)
    if organization is None:
        org_ids = sorted(
            org_id
            for org_id, _role in principal.roles
            if principal.has_perm("stixobject.add", org_id)
        )
        if len(org_ids) != 1:
            raise ValidationError({"organization": _("Choose the source organization.")})
        organization = org_ids[0]
    org_id = organization.pk if isinstance(organization, Organization) else organization
    org = Organization.objects.filter(pk=org_id, is_active=True).first()
    if org is None or not principal.has_perm("stixobject.add", org.pk):
        raise ValidationError({"organization": _("Choose an organization you import for.")})
    return org


# --- importing ------------------------------------------------------------------------------------


def do_import_objects(
    objects: Iterable[Any], labels: SharingLabels, *, source: str, strict_labels: bool = False
) -> ImportResult:
    """Import parsed objects in one transaction and record it in the audit trail."""
    result = import_objects(objects, labels, source=source, strict_labels=strict_labels)
    record_import(labels, source, result)
    return result


def do_import_file(
    path_or_file: str | os.PathLike[str] | IO[bytes],
    labels: SharingLabels,
    *,
    source: str,
    max_objects: int | None = None,
    progress: ProgressCallback | None = None,
) -> ImportResult:
    """Stream a bundle file into the store and record it in the audit trail."""
    result = import_bundle_file(
        path_or_file, labels, source=source, max_objects=max_objects, progress=progress
    )
    record_import(labels, source, result)
    return result


def check_import_bundle_bytes(
    user: Any, data: bytes, labels: SharingLabels, *, source: str
) -> ImportResult:
    """A bundle posted as JSON: small enough to import while the client waits."""
    if len(data) > SYNC_MAX_BYTES:
        raise ValidationError(
            _("The bundle is larger than %(limit)d MB; upload it as a file instead.")
            % {"limit": SYNC_MAX_BYTES // (1024 * 1024)}
        )
    return do_import_file(io.BytesIO(data), labels, source=source, max_objects=SYNC_MAX_OBJECTS)


def record_import(labels: SharingLabels, source: str, result: ImportResult) -> None:
    summary = result.as_dict()
    summary["failures"] = summary["failures"][:20]
    summary["warnings"] = summary["warnings"][:20]
    do_record_event(
        AuditAction.CREATE,
        object_type="stix.import",
        object_repr=_("STIX import from %(source)s: %(added)d added")
        % {"source": source[:100], "added": result.added},
        changes={
            **summary,
            "source": source[:200],
            "organization": labels.organization.pk,
            "tlp": labels.tlp,
            "distribution": labels.distribution,
            "sharing_group": labels.sharing_group.pk if labels.sharing_group else None,
        },
        actor=labels.created_by,
    )


def check_start_file_import(user: Any, upload: Any, labels: SharingLabels) -> Job:
    """Store an uploaded bundle and start the job that imports it."""
    size = getattr(upload, "size", 0) or 0
    if size > UPLOAD_MAX_BYTES:
        raise ValidationError(
            {
                "file": _("The file is larger than %(limit)d MB.")
                % {"limit": UPLOAD_MAX_BYTES // (1024 * 1024)}
            }
        )
    if size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    path = _store_upload(upload)
    name = os.path.basename(getattr(upload, "name", "") or "bundle.json")[:150]
    return do_enqueue_job(
        JOB_KIND,
        {
            "file": path.name,
            "filename": name,
            "organization": labels.organization.pk,
            "tlp": labels.tlp,
            "distribution": labels.distribution,
            "sharing_group": labels.sharing_group.pk if labels.sharing_group else None,
        },
        created_by=user,
    )


def _store_upload(upload: Any) -> Path:
    folder = upload_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}.json"
    with open(path, "wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return path


def labels_from_job_params(params: dict[str, Any], created_by: Any) -> SharingLabels:
    """The labels stored with a job, checked again (a group may have closed since)."""
    organization = Organization.objects.get(pk=params["organization"])
    group = None
    if params.get("sharing_group"):
        group = SharingGroup.objects.get(pk=params["sharing_group"], is_active=True)
    validate_sharing(params["tlp"], params["distribution"], group)
    return SharingLabels(
        organization=organization,
        tlp=params["tlp"],
        distribution=params.get("distribution") or Distribution.ORGANIZATION,
        sharing_group=group,
        created_by=created_by,
    )


# --- reading --------------------------------------------------------------------------------------


def visible_objects(user: Any) -> QuerySet[StixObject]:
    return StixObject.objects.restrict(user, "view")


def access_object(user: Any, pk: int) -> StixObject:
    """One stored object version the user may see (404 otherwise)."""
    return get_object_or_404(visible_objects(user).select_related("organization"), pk=pk)


def versions_of(user: Any, obj: StixObject) -> QuerySet[StixObject]:
    return visible_objects(user).filter(stix_id=obj.stix_id).order_by("-version")


def pending_references_of(obj: StixObject) -> QuerySet[PendingReference]:
    return PendingReference.objects.filter(source=obj).order_by("property_name", "target_id")
