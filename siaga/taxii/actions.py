"""State changes of the TAXII app: objects posted and deleted through TAXII, and collections.

``check_*`` validates and refuses with a clear reason, ``do_*`` writes (in one transaction, with
its audit-trail entry), as in the rest of Siaga.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from siaga.accounts.roles import principal_for
from siaga.audit.actions import do_record_event
from siaga.sharing.choices import Distribution
from siaga.sharing.models import validate_sharing
from siaga.stix.models import StixObject
from siaga.taxii import access
from siaga.taxii.filters import TaxiiQuery, apply_filters
from siaga.taxii.models import Collection, StatusState, TaxiiStatus

# --- Objects posted to a collection ------------------------------------------------------------


def check_add_objects(user: Any, collection: Collection, objects: list[dict]) -> TaxiiStatus:
    """Import the posted objects with the collection's labels; the status says what happened.

    Processed at once (the body is at most ``max_content_length``), so the status is complete.
    Objects that fail are listed in ``failures`` with the reason; the others are kept.
    """
    organization_id = access.writer_organization_id(user, collection)
    if not collection.writable or organization_id is None:
        raise PermissionDenied(_("You may not add objects to this collection."))
    return do_add_objects(user, collection, organization_id, objects)


def do_add_objects(
    user: Any, collection: Collection, organization_id: int, objects: list[dict]
) -> TaxiiStatus:
    from siaga.organizations.models import Organization
    from siaga.stix.importer import SharingLabels, import_objects

    requested_at = timezone.now()
    labels = SharingLabels(
        organization=Organization.objects.get(pk=organization_id),
        tlp=collection.tlp,
        distribution=collection.distribution,
        sharing_group=collection.sharing_group,
        created_by=user,
    )
    with transaction.atomic():
        result = import_objects(
            objects, labels, source=f"taxii:{collection.uuid}", strict_labels=True
        )
        status = _status_of(user, collection, objects, result, requested_at)
        do_record_event(
            "create",
            status,
            object_repr=f"TAXII POST to {collection.title}",
            changes={
                "collection": str(collection.uuid),
                "added": result.added,
                "duplicates": result.duplicates,
                "failed": len(result.failures),
            },
        )
    return status


def _status_of(
    user: Any, collection: Collection, objects: list[dict], result: Any, requested_at: Any
) -> TaxiiStatus:
    failures = [
        {"id": problem.stix_id or "", "message": problem.message} | _version_of(objects, problem)
        for problem in result.failures
    ]
    if result.unlisted_failures:
        # The importer lists the first problems only; the count says how many more there were.
        failures.append(
            {
                "id": "",
                "message": _("%(count)d more objects failed.")
                % {"count": result.unlisted_failures},
            }
        )
    return TaxiiStatus.objects.create(
        owner=user,
        collection=collection,
        status=StatusState.COMPLETE,
        request_timestamp=requested_at,
        total_count=len(objects),
        success_count=result.added + result.duplicates,
        failure_count=result.failed,
        pending_count=0,
        successes=_successes(objects, result),
        failures=failures,
        pendings=[],
    )


def _successes(objects: list[dict], result: Any) -> list[dict[str, Any]]:
    """The objects kept: those not reported as failed (if every failure is listed), with a note on
    the ones Siaga already held."""
    if result.unlisted_failures:
        return [{"id": stix_id, "version": version} for stix_id, version in result.added_ids]
    failed = {problem.index for problem in result.failures}
    added = {stix_id for stix_id, _version in result.added_ids}
    # The importer lists the ids it added up to a cap; past it, "already held" cannot be told.
    ids_complete = len(result.added_ids) == result.added
    successes = []
    for index, obj in enumerate(objects):
        if index in failed:
            continue
        detail: dict[str, Any] = {"id": str(obj.get("id", ""))}
        version = obj.get("modified") or obj.get("created")
        if isinstance(version, str):
            detail["version"] = version
        if ids_complete and detail["id"] not in added:
            detail["message"] = _("Already held; not added again.")
        successes.append(detail)
    return successes


def _version_of(objects: list[dict], problem: Any) -> dict[str, str]:
    if not 0 <= problem.index < len(objects):
        return {}
    version = objects[problem.index].get("modified") or objects[problem.index].get("created")
    return {"version": version} if isinstance(version, str) else {}


# --- Objects deleted from a collection ------------------------------------------------------------


def check_delete_object(user: Any, collection: Collection, stix_id: str, query: TaxiiQuery) -> int:
    """Delete the object's versions (all, or those ``match[version]`` selects) from the collection.

    404 if the user cannot see the object there; 403 if they see it but may not delete it
    (``stixobject.delete`` on its source organization). Returns how many versions went.
    """
    visible = access.collection_objects(user, collection).filter(stix_id=stix_id)
    if not visible.exists():
        raise Http404
    # Without match[version] a DELETE removes every version (TAXII 2.1, 5.7).
    wanted = query if query.versions_given else _all_versions(query)
    targets = apply_filters(visible, wanted)
    deletable = apply_filters(
        access.collection_objects(user, collection, "delete").filter(stix_id=stix_id), wanted
    )
    target_ids = set(targets.values_list("pk", flat=True))
    if not target_ids:
        raise Http404
    if target_ids - set(deletable.values_list("pk", flat=True)):
        raise PermissionDenied(_("You may not delete this object."))
    return do_delete_versions(stix_id, sorted(target_ids), collection)


def _all_versions(query: TaxiiQuery) -> TaxiiQuery:
    return TaxiiQuery(
        added_after=query.added_after,
        spec_versions=query.spec_versions,
        versions=["all"],
        limit=query.limit,
    )


def do_delete_versions(stix_id: str, pks: list[int], collection: Collection) -> int:
    """Delete the rows; the audit trail records each (``siaga.audit.signals``)."""
    with transaction.atomic():
        # Lock the object's rows: a concurrent import of a new version must not leave two latest.
        list(StixObject.objects.select_for_update().filter(stix_id=stix_id).values_list("pk"))
        deleted, _detail = StixObject.objects.filter(pk__in=pks).delete()
        _mark_latest(stix_id)
    return deleted


def _mark_latest(stix_id: str) -> None:
    """After versions went, the newest remaining one is the latest again."""
    remaining = StixObject.objects.filter(stix_id=stix_id)
    newest = remaining.aggregate(newest=Max("version"))["newest"]
    if newest is None:
        return
    remaining.exclude(version=newest).filter(is_latest=True).update(is_latest=False)
    remaining.filter(version=newest, is_latest=False).update(is_latest=True)


# --- Collections -------------------------------------------------------------------------------


COLLECTION_FIELDS = (
    "title",
    "description",
    "alias",
    "distribution",
    "sharing_group",
    "tlp",
    "organization",
    "writable",
    "is_active",
)


def validate_collection_labels(collection: Collection) -> None:
    """Refuse labels that contradict each other or another collection's cell."""
    validate_sharing(collection.tlp, collection.distribution, collection.sharing_group)
    if collection.distribution == Distribution.ORGANIZATION and collection.organization is None:
        raise ValidationError(
            {"organization": _("Choose the organization whose objects it holds.")}
        )
    if collection.distribution != Distribution.ORGANIZATION and collection.organization is not None:
        raise ValidationError(
            {"organization": _("An organization is only chosen for its own-organization sharing.")}
        )
    cell = _cell_of(collection)
    if Collection.objects.filter(cell=cell).exclude(pk=collection.pk).exists():
        raise ValidationError(
            _("Another collection already holds the objects with exactly these labels.")
        )


def _cell_of(collection: Collection) -> str:
    return ":".join(
        str(part or "-")
        for part in (
            collection.distribution,
            collection.sharing_group_id,
            collection.organization_id,
            collection.tlp,
        )
    )


def _require(user: Any, permission: str) -> None:
    if not principal_for(user).has_perm(permission):
        raise PermissionDenied(_("You may not manage TAXII collections."))


def check_save_collection(user: Any, collection: Collection, *, creating: bool) -> Collection:
    _require(user, "collection.add" if creating else "collection.change")
    validate_collection_labels(collection)
    return do_save_collection(collection, creating=creating)


def do_save_collection(collection: Collection, *, creating: bool) -> Collection:
    """Save; the audit trail records the change (``siaga.audit.signals``)."""
    with transaction.atomic():
        collection.save()
    return collection


def access_collection_for_change(user: Any, pk: int) -> Collection:
    _require(user, "collection.change")
    found = Collection.objects.restrict(user, "change").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found
