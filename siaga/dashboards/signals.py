"""Receivers that keep the dashboards current: they bump the figure cache's version whenever a row
the figures read changes, and mark the incident roll-up days a change touches
(``siaga.dashboards.rollups``, recomputed after the commit).

What can change an incident's roll-up rows: the incident's own save or delete (class, priority,
milestones, status, merge), its affected constituents, a shared comment (whose first-response stamp
is a queryset update that sends no signal of its own), and, for the breakdowns, a constituent's
type or province.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_init, post_save, pre_delete

from siaga.dashboards import rollups
from siaga.dashboards.sector import bump_version

UID = "siaga.dashboards.bump"
MARK = "siaga.dashboards.rollups"


def mark_incident(instance: Any, **_kwargs: Any) -> None:
    rollups.mark_incidents([instance])


def mark_comment_incident(instance: Any, **_kwargs: Any) -> None:
    if instance.incident_id:
        mark_incident_ids([instance.incident_id])


def mark_incident_ids(ids: Any) -> None:
    from siaga.incidents.models import Incident

    if ids:
        rollups.mark_incidents(Incident.objects.filter(pk__in=list(ids)))


def mark_affected(instance: Any, action: str, reverse: bool, pk_set: Any, **_kwargs: Any) -> None:
    """An incident's affected constituents changed (from either side of the relation)."""
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    if not reverse:
        rollups.mark_incidents([instance])
    elif action == "pre_clear":
        mark_organization(instance)
    else:
        mark_incident_ids(pk_set)


def mark_organization(organization: Any) -> None:
    from siaga.incidents.models import Incident

    rollups.mark_incidents(Incident.objects.filter(affected_constituents=organization))


def remember_organization(instance: Any, **_kwargs: Any) -> None:
    instance._dashboards_type = instance.__dict__.get("constituent_type")


def organization_saved(instance: Any, created: bool, **_kwargs: Any) -> None:
    if not created and instance._dashboards_type != instance.constituent_type:
        mark_organization(instance)
    instance._dashboards_type = instance.constituent_type


def remember_profile(instance: Any, **_kwargs: Any) -> None:
    instance._dashboards_province = instance.__dict__.get("province")


def profile_changed(instance: Any, created: bool = False, **kwargs: Any) -> None:
    deleted = kwargs.get("signal") is post_delete
    if created or deleted or instance._dashboards_province != instance.province:
        mark_organization(instance.organization_id)
    instance._dashboards_province = instance.province


def connect() -> None:
    from siaga.advisories.models import AdvisoryRecipient
    from siaga.constituents.models import ConstituentProfile
    from siaga.incidents.models import Comment, Incident, LegalClock
    from siaga.organizations.models import Organization

    for model in (Incident, LegalClock, AdvisoryRecipient, Comment):
        post_save.connect(bump_version, sender=model, dispatch_uid=f"{UID}.save.{model.__name__}")
        post_delete.connect(
            bump_version, sender=model, dispatch_uid=f"{UID}.delete.{model.__name__}"
        )
    through = Incident.affected_constituents.through
    m2m_changed.connect(bump_version, sender=through, dispatch_uid=f"{UID}.affected")

    post_save.connect(mark_incident, sender=Incident, dispatch_uid=f"{MARK}.incident")
    post_delete.connect(mark_incident, sender=Incident, dispatch_uid=f"{MARK}.incident.delete")
    post_save.connect(mark_comment_incident, sender=Comment, dispatch_uid=f"{MARK}.comment")
    m2m_changed.connect(mark_affected, sender=through, dispatch_uid=f"{MARK}.affected")
    post_init.connect(remember_organization, sender=Organization, dispatch_uid=f"{MARK}.org.init")
    post_save.connect(organization_saved, sender=Organization, dispatch_uid=f"{MARK}.org")
    # Deleting an organization deletes its relation rows without an m2m signal: mark first.
    pre_delete.connect(
        lambda instance, **_: mark_organization(instance),
        sender=Organization,
        dispatch_uid=f"{MARK}.org.delete",
        weak=False,
    )
    post_init.connect(remember_profile, sender=ConstituentProfile, dispatch_uid=f"{MARK}.p.init")
    post_save.connect(profile_changed, sender=ConstituentProfile, dispatch_uid=f"{MARK}.profile")
    post_delete.connect(
        profile_changed, sender=ConstituentProfile, dispatch_uid=f"{MARK}.profile.delete"
    )
