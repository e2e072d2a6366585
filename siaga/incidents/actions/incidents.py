"""State changes of incidents: opening, editing, the lifecycle and assignment.

``check_*`` checks the user's permission and the input, then changes state; ``do_*`` changes state
for a caller that already checked; ``access_*`` fetches one incident the user may see (404
otherwise). Rows are locked with ``select_for_update`` in a fixed order — incident first, then
reports — so two analysts working on the same incident wait for each other instead of racing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from siaga.accounts.models import User
from siaga.accounts.roles import CERT_STAFF_ROLES, principal_for
from siaga.incidents.choices import ClosureReason, IncidentStatus
from siaga.incidents.lifecycle import STAMPS, allowed_targets, is_allowed, is_reopen
from siaga.incidents.models import Incident, IncidentStatusChange
from siaga.incidents.models.sequences import INCIDENT, allocate_tracking_id
from siaga.organizations.choices import OrganizationKind
from siaga.organizations.models import Organization

# What an analyst may set when opening or editing an incident (status, assignee and the lifecycle
# timestamps change only through their own actions).
INCIDENT_FIELDS = (
    "title",
    "description",
    "rsit_class",
    "rsit_type",
    "health_tags",
    "patient_safety",
    "service_disruption",
    "records_affected",
    "spread",
    "tlp",
    "pap",
    "personal_data_involved",
    "detected_at",
    "personal_data_description",
    "handling_actions",
)
RELATION_FIELDS = ("affected_constituents", "shared_with")


def access_incident(user: Any, pk: int, action: str = "view") -> Incident:
    return get_object_or_404(
        Incident.objects.restrict(user, action).select_related("assignee"), pk=pk
    )


def cert_staff_users() -> QuerySet[User]:
    """The people an incident may be assigned to: active CERT staff."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__role__in=sorted(CERT_STAFF_ROLES),
            memberships__organization__is_active=True,
        )
        .distinct()
        .order_by("full_name", "email")
    )


def _organizations(
    ids: Iterable[Any], field: str, *, constituents_only: bool
) -> list[Organization]:
    wanted = {getattr(item, "pk", item) for item in ids}
    found = list(Organization.objects.filter(pk__in=sorted(wanted)))
    if len(found) != len(wanted):
        raise ValidationError({field: _("Unknown organization.")})
    if constituents_only and any(org.kind != OrganizationKind.CONSTITUENT for org in found):
        raise ValidationError({field: _("Only constituents can be affected.")})
    return found


def _split(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[Organization]]]:
    refused = sorted(set(data) - set(INCIDENT_FIELDS) - set(RELATION_FIELDS))
    if refused:
        raise ValidationError({name: _("This field cannot be set here.") for name in refused})
    fields = {name: value for name, value in data.items() if name in INCIDENT_FIELDS}
    relations: dict[str, list[Organization]] = {}
    if "affected_constituents" in data:
        relations["affected_constituents"] = _organizations(
            data["affected_constituents"] or [], "affected_constituents", constituents_only=True
        )
    if "shared_with" in data:
        relations["shared_with"] = _organizations(
            data["shared_with"] or [], "shared_with", constituents_only=False
        )
    return fields, relations


def _record_status(
    incident: Incident,
    from_status: str,
    to_status: str,
    *,
    by: Any,
    note: str = "",
    closure_reason: str = "",
) -> IncidentStatusChange:
    return IncidentStatusChange.objects.create(
        incident=incident,
        from_status=from_status,
        to_status=to_status,
        changed_by=by if getattr(by, "pk", None) else None,
        changed_at=timezone.now(),
        note=note,
        closure_reason=closure_reason,
    )


def check_create_incident(user: Any, data: dict[str, Any]) -> Incident:
    if not principal_for(user).has_perm("incident.add"):
        raise PermissionDenied(_("You may not open incidents."))
    fields, relations = _split(data)
    return do_create_incident(fields, relations, by=user, reported_at=timezone.now())


def do_create_incident(
    fields: dict[str, Any],
    relations: dict[str, list[Organization]],
    *,
    by: Any,
    reported_at: Any = None,
    acknowledged: bool = False,
) -> Incident:
    """Open an incident (status new) with a fresh reference; writes the first status-change row."""
    with transaction.atomic():
        incident = Incident(**fields, reported_at=reported_at)
        incident.reference = "-"  # the real one is allocated once the input is known to be valid
        incident.full_clean(exclude=["reference"])
        incident.reference = allocate_tracking_id(INCIDENT)
        if acknowledged:
            incident.acknowledged_at = timezone.now()
        incident.save()
        for name, organizations in relations.items():
            getattr(incident, name).set(organizations)
        _record_status(incident, "", IncidentStatus.NEW, by=by)
    return incident


def _check_may_change(user: Any, incident: Incident, permission: str = "change") -> None:
    if not Incident.objects.restrict(user, permission).filter(pk=incident.pk).exists():
        raise PermissionDenied(_("You may not change this incident."))


def check_update_incident(user: Any, incident: Incident, data: dict[str, Any]) -> Incident:
    _check_may_change(user, incident)
    fields, relations = _split(data)
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.full_clean()
        locked.save()
        for name, organizations in relations.items():
            getattr(locked, name).set(organizations)
    return locked


def check_transition(
    user: Any,
    incident: Incident,
    status: str,
    *,
    closure_reason: str = "",
    lessons_learned: str = "",
    note: str = "",
) -> Incident:
    """Move the incident to ``status`` if the lifecycle allows it from where it is now."""
    _check_may_change(user, incident)
    if status not in IncidentStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    if status == IncidentStatus.CLOSED and closure_reason not in ClosureReason.values:
        raise ValidationError({"closure_reason": _("Closing needs a closure reason.")})
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        _check_allowed(locked.status, status)
        if is_reopen(locked.status, status) and not note.strip():
            raise ValidationError({"note": _("Say why the incident is reopened.")})
        return do_transition(
            locked,
            status,
            by=user,
            closure_reason=closure_reason,
            lessons_learned=lessons_learned,
            note=note.strip(),
        )


def _check_allowed(current: str, target: str) -> None:
    if is_allowed(current, target):
        return
    labels = ", ".join(str(IncidentStatus(value).label) for value in allowed_targets(current))
    raise ValidationError(
        {
            "status": _(
                "An incident cannot go from %(current)s to %(target)s; allowed: %(allowed)s."
            )
            % {
                "current": IncidentStatus(current).label,
                "target": IncidentStatus(target).label,
                "allowed": labels or "—",
            }
        }
    )


def do_transition(
    incident: Incident,
    status: str,
    *,
    by: Any,
    closure_reason: str = "",
    lessons_learned: str = "",
    note: str = "",
) -> Incident:
    """Change the status of a locked incident, stamp its first times and record the step."""
    now = timezone.now()
    previous = incident.status
    incident.status = status
    for stamp in STAMPS.get(status, ()):
        if getattr(incident, stamp) is None:
            setattr(incident, stamp, now)
    # Leaving "new" in any direction means the CERT has taken the incident up (MTTA).
    if incident.acknowledged_at is None:
        incident.acknowledged_at = now
    if status == IncidentStatus.CLOSED:
        incident.closure_reason = closure_reason
        if lessons_learned.strip():
            incident.lessons_learned = lessons_learned.strip()
    else:
        incident.closure_reason = ""  # a reopened incident is no longer closed for that reason
    incident.save()
    _record_status(
        incident,
        previous,
        status,
        by=by,
        note=note,
        closure_reason=closure_reason if status == IncidentStatus.CLOSED else "",
    )
    return incident


def check_assign(user: Any, incident: Incident, assignee_id: int | None) -> Incident:
    """Give the incident to a CERT staff member, or to nobody (``None``)."""
    if not Incident.objects.restrict(user, "assign").filter(pk=incident.pk).exists():
        raise PermissionDenied(_("You may not assign this incident."))
    assignee = None
    if assignee_id is not None:
        assignee = cert_staff_users().filter(pk=assignee_id).first()
        if assignee is None:
            raise ValidationError({"assignee": _("Incidents can be assigned only to CERT staff.")})
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        locked.assignee = assignee
        locked.save(update_fields=["assignee", "updated_at"])
    return locked
