"""Who may read and write a TAXII collection, and which objects it shows them.

A collection is one cell of the sharing rule, so the questions reduce to the rule itself:

- *read*: the user could see an object carrying the collection's labels (``can_see`` on a
  stand-in object); for TLP:RED, which goes to named people only, the members of the collection's
  organization may open it and see the objects addressed to them;
- *objects*: the ``StixObject`` rows with exactly the collection's labels, narrowed by
  ``StixObject.objects.restrict(user, "view")`` — the one permission rule, so an object is never
  shown through TAXII that the user could not see anywhere else;
- *write*: the collection is writable, the user can read it, and holds ``stixobject.add`` for the
  organization the objects will come from (theirs; for an organization's collection, that one).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from siaga.accounts.roles import principal_for
from siaga.sharing.choices import TLP, Distribution
from siaga.sharing.visibility import audience_for_user, can_see
from siaga.stix.models import StixObject
from siaga.taxii.models import Collection


def can_read(user: Any, collection: Collection) -> bool:
    if not collection.is_active or not principal_for(user).has_perm("stixobject.view"):
        return False
    audience = audience_for_user(user)
    if collection.tlp == TLP.RED:
        return collection.organization_id in audience.organization_ids or bool(
            principal_for(user).is_superuser
        )
    stand_in = StixObject(
        tlp=collection.tlp,
        distribution=collection.distribution,
        sharing_group_id=collection.sharing_group_id,
        organization_id=collection.organization_id or 0,
    )
    return can_see(audience, stand_in)


def writer_organization_id(user: Any, collection: Collection) -> int | None:
    """The organization the user's objects in this collection come from; None: may not write."""
    principal = principal_for(user)
    grant = principal.scopes("stixobject.add")
    if collection.distribution == Distribution.ORGANIZATION:
        wanted = collection.organization_id
        allowed = wanted is not None and (grant.all or wanted in grant.org_ids)
        member = wanted in {org_id for org_id, _role in principal.roles}
        return wanted if allowed and (member or principal.is_superuser) else None
    if grant.org_ids:
        return min(grant.org_ids)
    if grant.all:
        # Someone with the permission everywhere writes in the name of their own organization.
        own = sorted(org_id for org_id, _role in principal.roles)
        return own[0] if own else None
    return None


def can_write(user: Any, collection: Collection) -> bool:
    return (
        collection.writable
        and can_read(user, collection)
        and writer_organization_id(user, collection) is not None
    )


def readable_collections(user: Any) -> list[Collection]:
    """The active collections the user may read (writing needs reading), in title order."""
    candidates = Collection.objects.restrict(user, "view").filter(is_active=True)
    return [c for c in candidates.select_related("sharing_group") if can_read(user, c)]


def access_collection(user: Any, collection_id: str) -> Collection:
    """The collection by TAXII id or alias, if the user may read it; else 404 (not revealed)."""
    queryset = Collection.objects.restrict(user, "view").filter(is_active=True)
    collection = _by_id_or_alias(queryset, collection_id)
    if collection is None or not can_read(user, collection):
        raise Http404
    return collection


def _by_id_or_alias(queryset: QuerySet[Collection], collection_id: str) -> Collection | None:
    import uuid

    try:
        return queryset.filter(uuid=uuid.UUID(collection_id)).first()
    except ValueError:
        return queryset.filter(alias=collection_id).first()


def collection_labels_q(collection: Collection) -> dict[str, Any]:
    """The field values every object of the collection carries."""
    labels: dict[str, Any] = {
        "distribution": collection.distribution,
        "sharing_group_id": collection.sharing_group_id,
        "tlp": collection.tlp,
    }
    if collection.distribution == Distribution.ORGANIZATION:
        labels["organization_id"] = collection.organization_id
    return labels


def collection_objects(user: Any, collection: Collection, action: str = "view") -> QuerySet:
    """The collection's objects that the user may see (or delete, with ``action="delete"``)."""
    visible = StixObject.objects.restrict(user, action)
    return visible.filter(**collection_labels_q(collection))
