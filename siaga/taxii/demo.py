"""Demo TAXII collections: the public and community cells, and one TLP:AMBER collection per
sharing group. Idempotent: a cell that already has a collection is left as it is."""

from __future__ import annotations

from django.db import transaction

from siaga.sharing.choices import TLP, Distribution
from siaga.sharing.models import SharingGroup
from siaga.taxii.models import Collection


def _ensure(title: str, alias: str, **labels: object) -> Collection:
    probe = Collection(**labels)
    cell = ":".join(
        str(part or "-")
        for part in (probe.distribution, probe.sharing_group_id, probe.organization_id, probe.tlp)
    )
    existing = Collection.objects.filter(cell=cell).first()
    if existing is not None:
        return existing
    return Collection.objects.create(title=title, alias=alias, **labels)


@transaction.atomic
def seed_collections() -> list[Collection]:
    """Create the demo collections that are missing; returns them all."""
    created = [
        _ensure("Public (TLP:CLEAR)", "public", distribution=Distribution.PUBLIC, tlp=TLP.CLEAR),
        _ensure(
            "Community (TLP:GREEN)",
            "community",
            distribution=Distribution.CONSTITUENTS,
            tlp=TLP.GREEN,
        ),
    ]
    for group in SharingGroup.objects.filter(is_active=True).order_by("pk"):
        created.append(
            _ensure(
                f"{group.name} (TLP:AMBER)"[:200],
                f"group-{group.pk}-amber",
                distribution=Distribution.SHARING_GROUP,
                sharing_group=group,
                tlp=TLP.AMBER,
            )
        )
    return created
