"""State changes of the constituent registry.

``check_*`` validates a user's request (permission, then input) and makes the change; ``access_*``
fetches one object the user may see (404 otherwise). Every change is audited by the model signals;
changes to registered network assets bump the ownership index's version after commit
(``signals.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from siaga.accounts.roles import principal_for
from siaga.audit.actions import record_export
from siaga.constituents import inventory_csv
from siaga.constituents.choices import (
    REVIEWABLE_STATUSES,
    AssetStatus,
    ReviewDecision,
)
from siaga.constituents.lookup import Owner, Query, classify, current_index
from siaga.constituents.models import (
    ConstituentProfile,
    Contact,
    InventoryItem,
    NetworkAsset,
    find_overlaps_of,
)
from siaga.organizations.choices import OrganizationKind
from siaga.organizations.models import Organization

PROFILE_FIELDS = (
    "province",
    "city",
    "is_vital_infrastructure",
    "holds_personal_health_data",
    "health_records_estimate",
    "notes",
)
CONTACT_FIELDS = (
    "name",
    "role",
    "email",
    "phone",
    "language",
    "notification_kinds",
    "is_active",
)
INVENTORY_FIELDS = inventory_csv.COLUMNS


# --- Constituents and profiles -----------------------------------------------------------------


def visible_constituents(user: Any) -> QuerySet[Organization]:
    """The constituents the user may see, each with its profile (if it has one) joined."""
    return (
        Organization.objects.restrict(user, "view")
        .filter(kind=OrganizationKind.CONSTITUENT)
        .select_related("profile")
    )


def access_constituent(user: Any, pk: int) -> Organization:
    return get_object_or_404(visible_constituents(user), pk=pk)


def profile_of(organization: Organization) -> ConstituentProfile | None:
    """The profile, or None for a constituent nobody described yet."""
    try:
        return organization.profile
    except ConstituentProfile.DoesNotExist:
        return None


def _refuse_unknown_fields(data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in unknown})


def check_update_profile(
    user: Any, organization: Organization, data: dict[str, Any]
) -> ConstituentProfile:
    """Change a constituent's profile, creating it on first edit."""
    if not principal_for(user).has_perm("constituentprofile.change", organization.pk):
        raise PermissionDenied(_("You may not change this constituent's profile."))
    _refuse_unknown_fields(data, PROFILE_FIELDS)
    with transaction.atomic():
        ConstituentProfile.objects.get_or_create(organization=organization)
        profile = ConstituentProfile.objects.select_for_update().get(organization=organization)
        for name, value in data.items():
            setattr(profile, name, value)
        profile.full_clean()
        profile.save()
    organization.profile = profile
    return profile


# --- Contacts ------------------------------------------------------------------------------------


def visible_contacts(user: Any, organization: Organization) -> QuerySet[Contact]:
    return Contact.objects.restrict(user, "view").filter(organization=organization)


def access_contact(user: Any, pk: int) -> Contact:
    return get_object_or_404(
        Contact.objects.restrict(user, "view").select_related("organization"), pk=pk
    )


def check_create_contact(user: Any, organization: Organization, data: dict[str, Any]) -> Contact:
    if not principal_for(user).has_perm("contact.add", organization.pk):
        raise PermissionDenied(_("You may not add contacts to this constituent."))
    _refuse_unknown_fields(data, CONTACT_FIELDS)
    contact = Contact(organization=organization, **data)
    contact.full_clean()
    contact.save()
    return contact


def check_update_contact(user: Any, contact: Contact, data: dict[str, Any]) -> Contact:
    if not principal_for(user).has_perm("contact.change", contact.organization_id):
        raise PermissionDenied(_("You may not change this contact."))
    _refuse_unknown_fields(data, CONTACT_FIELDS)
    with transaction.atomic():
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        for name, value in data.items():
            setattr(locked, name, value)
        locked.full_clean()
        locked.save()
    return locked


def check_delete_contact(user: Any, contact: Contact) -> None:
    if not principal_for(user).has_perm("contact.delete", contact.organization_id):
        raise PermissionDenied(_("You may not remove this contact."))
    with transaction.atomic():
        locked = Contact.objects.select_for_update().filter(pk=contact.pk).first()
        if locked is not None:  # else removed meanwhile: the outcome asked for
            locked.delete()


# --- Network assets ------------------------------------------------------------------------------


def visible_assets(user: Any) -> QuerySet[NetworkAsset]:
    return NetworkAsset.objects.restrict(user, "view").select_related(
        "organization", "requested_by", "reviewed_by"
    )


def access_asset(user: Any, pk: int) -> NetworkAsset:
    return get_object_or_404(visible_assets(user), pk=pk)


def attach_overlaps(user: Any, assets: list[NetworkAsset]) -> list[NetworkAsset]:
    """Give each asset ``overlap_count`` and the ``overlapping`` assets this user may see.

    Every viewer learns that an asset overlaps; only those who may see the other organization's
    assets learn whose they are (a hospital does not see another hospital's networks).
    One query for the whole list.
    """
    grant = principal_for(user).scopes("networkasset.view")
    found = find_overlaps_of(assets)
    for asset in assets:
        others = found.get(asset.pk, [])
        asset.overlap_count = len(others)  # type: ignore[attr-defined]
        asset.overlapping = [  # type: ignore[attr-defined]
            other for other in others if grant.all or other.organization_id in grant.org_ids
        ]
    return assets


def may_review_assets(user: Any) -> bool:
    """The CERT's staff: their additions and removals act at once, and they review requests."""
    return principal_for(user).has_perm("networkasset.review")


def check_add_asset(user: Any, organization: Organization, kind: str, value: str) -> NetworkAsset:
    """Register an asset (CERT staff) or ask for it to be registered (a constituent's admin)."""
    if not principal_for(user).has_perm("networkasset.add", organization.pk):
        raise PermissionDenied(_("You may not add network assets to this constituent."))
    asset = NetworkAsset(organization=organization, kind=kind, value=value)
    asset.clean()
    approved_now = may_review_assets(user)
    with transaction.atomic():
        existing = (
            NetworkAsset.objects.select_for_update()
            .filter(organization=organization, kind=asset.kind, value=asset.value)
            .first()
        )
        if existing is not None and existing.status != AssetStatus.REJECTED:
            raise ValidationError(
                {
                    "value": _("%(value)s is already listed for this constituent (%(status)s).")
                    % {"value": existing.value, "status": existing.get_status_display()}
                }
            )
        if existing is not None:
            asset = existing  # a rejected request asked again: the same row, reviewed again
        asset.status = AssetStatus.APPROVED if approved_now else AssetStatus.PENDING
        asset.requested_by = user
        asset.reviewed_by = user if approved_now else None
        asset.reviewed_at = timezone.now() if approved_now else None
        asset.review_note = ""
        asset.save()
    return asset


@dataclass(frozen=True)
class AssetOutcome:
    """What became of an asset: ``deleted``, or its new status (the asset is then current)."""

    asset: NetworkAsset
    deleted: bool


def check_remove_asset(user: Any, asset: NetworkAsset) -> AssetOutcome:
    """CERT staff delete at once; a constituent's admin asks for a registered asset's removal.

    A request still waiting (pending) or refused (rejected) was never in the registry: its
    constituent withdraws it directly.
    """
    if not principal_for(user).has_perm("networkasset.delete", asset.organization_id):
        raise PermissionDenied(_("You may not remove this network asset."))
    with transaction.atomic():
        locked = NetworkAsset.objects.select_for_update().filter(pk=asset.pk).first()
        if locked is None:
            return AssetOutcome(asset, deleted=True)  # removed meanwhile
        if may_review_assets(user) or locked.status in (
            AssetStatus.PENDING,
            AssetStatus.REJECTED,
        ):
            locked.delete()
            return AssetOutcome(asset, deleted=True)
        if locked.status == AssetStatus.REMOVAL_PENDING:
            raise ValidationError(_("Its removal was already requested; the CERT will review it."))
        locked.status = AssetStatus.REMOVAL_PENDING
        locked.requested_by = user
        locked.save()
    return AssetOutcome(locked, deleted=False)


def check_review_asset(
    user: Any, asset: NetworkAsset, decision: str, note: str = ""
) -> AssetOutcome:
    """Approve or reject a pending asset or a removal request."""
    if not may_review_assets(user):
        raise PermissionDenied(_("Only the CERT reviews network assets."))
    if decision not in ReviewDecision.values:
        raise ValidationError({"decision": _("Choose approve or reject.")})
    if len(note) > 1000:
        raise ValidationError({"note": _("Enter at most 1000 characters.")})
    with transaction.atomic():
        locked = NetworkAsset.objects.select_for_update().filter(pk=asset.pk).first()
        if locked is None or locked.status not in REVIEWABLE_STATUSES:
            raise ValidationError(_("This asset is not waiting for a review."))
        approve = decision == ReviewDecision.APPROVE
        if locked.status == AssetStatus.REMOVAL_PENDING and approve:
            locked.delete()
            return AssetOutcome(asset, deleted=True)
        if locked.status == AssetStatus.REMOVAL_PENDING:
            locked.status = AssetStatus.APPROVED  # the removal is refused: it stays registered
        else:
            locked.status = AssetStatus.APPROVED if approve else AssetStatus.REJECTED
        locked.reviewed_by = user
        locked.reviewed_at = timezone.now()
        locked.review_note = note.strip()
        locked.save()
    return AssetOutcome(locked, deleted=False)


def review_queue(user: Any) -> QuerySet[NetworkAsset]:
    """The requests waiting for the CERT: new assets and removals, oldest first."""
    if not may_review_assets(user):
        raise PermissionDenied(_("Only the CERT reviews network assets."))
    return visible_assets(user).filter(status__in=REVIEWABLE_STATUSES).order_by("updated_at", "pk")


# --- Ownership lookup ----------------------------------------------------------------------------


def check_lookup(user: Any, value: str) -> tuple[Query, list[Owner]]:
    """Who owns a pasted IP, domain, URL, e-mail address or AS number."""
    if not principal_for(user).has_perm("networkasset.lookup"):
        raise PermissionDenied(_("You may not look up the owners of network assets."))
    try:
        query = classify(value)
    except ValueError:
        raise ValidationError(
            {"value": _("Enter an IP address, domain, URL, e-mail address or AS number.")}
        ) from None
    return query, current_index().owners_of_query(query)


# --- Inventory -----------------------------------------------------------------------------------


def visible_inventory(user: Any, organization: Organization) -> QuerySet[InventoryItem]:
    return InventoryItem.objects.restrict(user, "view").filter(organization=organization)


def access_item(user: Any, pk: int) -> InventoryItem:
    return get_object_or_404(
        InventoryItem.objects.restrict(user, "view").select_related("organization"), pk=pk
    )


def check_create_item(user: Any, organization: Organization, data: dict[str, Any]) -> InventoryItem:
    if not principal_for(user).has_perm("inventoryitem.add", organization.pk):
        raise PermissionDenied(_("You may not add to this constituent's inventory."))
    _refuse_unknown_fields(data, INVENTORY_FIELDS)
    item = InventoryItem(organization=organization, **data)
    item.full_clean()
    item.save()
    _rematch(organization.pk)
    return item


def _rematch(organization_id: int) -> None:
    """The constituent's inventory changed: match it against the vulnerabilities again (one job
    after commit, however many items changed)."""
    from siaga.exposures.tasks import schedule_organization_match

    schedule_organization_match(organization_id)


def check_update_item(user: Any, item: InventoryItem, data: dict[str, Any]) -> InventoryItem:
    if not principal_for(user).has_perm("inventoryitem.change", item.organization_id):
        raise PermissionDenied(_("You may not change this inventory item."))
    _refuse_unknown_fields(data, INVENTORY_FIELDS)
    with transaction.atomic():
        locked = InventoryItem.objects.select_for_update().get(pk=item.pk)
        for name, value in data.items():
            setattr(locked, name, value)
        locked.full_clean()
        locked.save()
        _rematch(locked.organization_id)
    return locked


def check_delete_item(user: Any, item: InventoryItem) -> None:
    if not principal_for(user).has_perm("inventoryitem.delete", item.organization_id):
        raise PermissionDenied(_("You may not remove this inventory item."))
    with transaction.atomic():
        locked = InventoryItem.objects.select_for_update().filter(pk=item.pk).first()
        if locked is not None:
            locked.delete()
            _rematch(locked.organization_id)


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


def check_import_inventory(user: Any, organization: Organization, data: bytes) -> ImportResult:
    """Import a CSV file: every row is checked first, then all are saved, or none.

    A row with the same kind, name, vendor, product and version as an existing item updates it,
    so importing the same file twice changes nothing. ``InventoryCsvError`` lists every problem.
    """
    principal = principal_for(user)
    if not (
        principal.has_perm("inventoryitem.add", organization.pk)
        and principal.has_perm("inventoryitem.change", organization.pk)
    ):
        raise PermissionDenied(_("You may not import this constituent's inventory."))
    rows = inventory_csv.parse_inventory_csv(data)
    created = updated = unchanged = 0
    with transaction.atomic():
        # Locking the constituent serialises two imports of its inventory.
        Organization.objects.select_for_update().get(pk=organization.pk)
        existing = {
            item.match_key(): item
            for item in InventoryItem.objects.select_for_update().filter(organization=organization)
        }
        for row in rows:
            item = existing.get(row.item.match_key())
            if item is None:
                row.item.organization = organization
                row.item.save()
                created += 1
                continue
            changed = [n for n in INVENTORY_FIELDS if getattr(item, n) != getattr(row.item, n)]
            if not changed:
                unchanged += 1
                continue
            for name in changed:
                setattr(item, name, getattr(row.item, name))
            item.save()
            updated += 1
        if created or updated:
            _rematch(organization.pk)
    return ImportResult(created=created, updated=updated, unchanged=unchanged)


def check_export_inventory(user: Any, organization: Organization) -> str:
    """The constituent's inventory as CSV text (the import's columns); the export is audited."""
    items = list(visible_inventory(user, organization).order_by("kind", "name", "product", "pk"))
    record_export("constituents.inventoryitem", len(items), {"organization": organization.pk})
    return inventory_csv.write_inventory_csv(items)
