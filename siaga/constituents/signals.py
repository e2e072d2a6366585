"""Keep the ownership index fresh: bump the registry version after a change commits."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_init, post_save

from siaga.constituents.lookup import bump_registry_version


def _bump_after_commit() -> None:
    transaction.on_commit(bump_registry_version)


def _asset_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    if instance.is_registered or instance.was_registered:
        _bump_after_commit()
    instance._loaded_status = instance.status


def _asset_loaded(sender: Any, instance: Any, **kwargs: Any) -> None:
    # Remembered so that a save can tell whether the registry (registered assets) changed;
    # read from __dict__ so that a deferred status costs no query.
    instance._loaded_status = instance.__dict__.get("status") if instance.pk else None


def _asset_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    if instance.is_registered or instance.was_registered:
        _bump_after_commit()


def _organization_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    # A deactivated organization stops owning anything; a renamed one changes its owners' names.
    if not kwargs.get("raw"):
        _bump_after_commit()


def connect_signals() -> None:
    from siaga.constituents.models import NetworkAsset
    from siaga.organizations.models import Organization

    post_init.connect(_asset_loaded, sender=NetworkAsset, dispatch_uid="constituents-asset-loaded")
    post_save.connect(_asset_saved, sender=NetworkAsset, dispatch_uid="constituents-asset-saved")
    post_delete.connect(
        _asset_deleted, sender=NetworkAsset, dispatch_uid="constituents-asset-deleted"
    )
    post_save.connect(
        _organization_saved, sender=Organization, dispatch_uid="constituents-organization-saved"
    )
