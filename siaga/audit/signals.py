"""Every create, update and delete of a business object goes to the audit trail.

Business objects are the models of Siaga's own apps; a model opts out with ``audit_enabled = False``
(the audit trail itself, job progress rows) and hides fields with ``audit_exclude_fields``.
Secrets (password hashes) are recorded as a short fingerprint, never with their values; token
and key hashes are excluded by their models.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save

from siaga.audit.actions import do_record_event
from siaga.audit.choices import AuditAction

ALWAYS_EXCLUDED = {"updated_at", "last_login"}
SECRET_FIELDS = {"password"}


def is_audited(model: type[models.Model]) -> bool:
    return model.__module__.startswith("siaga.") and getattr(model, "audit_enabled", True)


def field_values(instance: models.Model) -> dict[str, Any]:
    excluded = ALWAYS_EXCLUDED | set(getattr(instance, "audit_exclude_fields", ()))
    values: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.name in excluded:
            continue
        value = getattr(instance, field.attname)
        if field.name in SECRET_FIELDS and value:
            # A fingerprint shows that the secret changed without recording anything usable.
            value = "sha256:" + hashlib.sha256(str(value).encode()).hexdigest()[:12]
        values[field.name] = value
    return values


def _remember_old_values(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if not is_audited(sender) or instance.pk is None or kwargs.get("raw"):
        instance._audit_old = None  # type: ignore[attr-defined]
        return
    old = sender._base_manager.filter(pk=instance.pk).first()
    instance._audit_old = field_values(old) if old is not None else None  # type: ignore[attr-defined]


def _record_save(
    sender: type[models.Model], instance: models.Model, created: bool, **kwargs: Any
) -> None:
    if not is_audited(sender) or kwargs.get("raw"):
        return
    new = field_values(instance)
    old = getattr(instance, "_audit_old", None)
    if created or old is None:
        do_record_event(AuditAction.CREATE, instance, changes={"new": new})
        return
    diff = {name: [old.get(name), value] for name, value in new.items() if old.get(name) != value}
    if diff:
        do_record_event(AuditAction.UPDATE, instance, changes=diff)


def _record_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if is_audited(sender):
        do_record_event(AuditAction.DELETE, instance, changes={"old": field_values(instance)})


def connect_model_signals() -> None:
    for model in apps.get_models():
        if is_audited(model):
            uid = f"siaga-audit-{model._meta.label_lower}"
            pre_save.connect(_remember_old_values, sender=model, dispatch_uid=uid + "-pre")
            post_save.connect(_record_save, sender=model, dispatch_uid=uid + "-post")
            post_delete.connect(_record_delete, sender=model, dispatch_uid=uid + "-delete")
