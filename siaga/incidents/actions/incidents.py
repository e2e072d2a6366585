"""State changes of incidents: opening, editing, the lifecycle and assignment.

``check_*`` checks the user's permission and the input, then changes state; ``do_*`` changes state
for a caller that already checked; ``access_*`` fetches one incident the user may see (404
otherwise). Rows are locked with ``select_for_update`` in a fixed order — incident first, then
reports — so two analysts working on the same incident wait for each other instead of racing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from siaga.accounts.models import User
from siaga.accounts.roles import CERT_STAFF_ROLES, principal_for
from siaga.attack.validation import validate_technique_ids
from siaga.audit.actions import record_export
from siaga.constituents.models import InventoryItem
from siaga.incidents.actions.deadlines import (
    OBJECT_TYPE,
    incident_slas,
    incident_url,
    notify_incident_webhooks,
    sync_legal_clocks,
)
from siaga.incidents.choices import ClosureReason, IncidentStatus
from siaga.incidents.lifecycle import STAMPS, allowed_targets, is_allowed, is_reopen
from siaga.incidents.models import Incident, IncidentStatusChange, SavedFilter
from siaga.incidents.models.sequences import INCIDENT, allocate_tracking_id
from siaga.incidents.slas import next_due
from siaga.notifications.actions import do_notify
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
    "attack_techniques",
)
RELATION_FIELDS = ("affected_constituents", "shared_with", "affected_systems")


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


def _inventory_items(ids: Iterable[Any]) -> list[InventoryItem]:
    wanted = {getattr(item, "pk", item) for item in ids}
    found = list(InventoryItem.objects.filter(pk__in=sorted(wanted)))
    if len(found) != len(wanted):
        raise ValidationError({"affected_systems": _("Unknown system.")})
    return found


def _check_systems_of_affected_constituents(incident: Incident) -> None:
    """An affected system belongs to one of the affected constituents (checked after both are set)."""
    outside = incident.affected_systems.exclude(
        organization__in=incident.affected_constituents.all()
    )
    if outside.exists():
        raise ValidationError(
            {"affected_systems": _("A system must belong to one of the affected constituents.")}
        )


def _split(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    refused = sorted(set(data) - set(INCIDENT_FIELDS) - set(RELATION_FIELDS))
    if refused:
        raise ValidationError({name: _("This field cannot be set here.") for name in refused})
    fields = {name: value for name, value in data.items() if name in INCIDENT_FIELDS}
    if "attack_techniques" in fields:
        fields["attack_techniques"] = _technique_ids(fields["attack_techniques"])
    relations: dict[str, list[Any]] = {}
    if "affected_systems" in data:
        relations["affected_systems"] = _inventory_items(data["affected_systems"] or [])
    if "affected_constituents" in data:
        relations["affected_constituents"] = _organizations(
            data["affected_constituents"] or [], "affected_constituents", constituents_only=True
        )
    if "shared_with" in data:
        relations["shared_with"] = _organizations(
            data["shared_with"] or [], "shared_with", constituents_only=False
        )
    return fields, relations


def _technique_ids(ids: Any) -> list[str]:
    try:
        return validate_technique_ids(ids or [])
    except ValidationError as exc:
        raise ValidationError({"attack_techniques": exc.messages}) from None


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
    relations: dict[str, list[Any]],
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
            # Opened by triaging a report: the CERT has acknowledged and triaged it.
            incident.acknowledged_at = incident.triaged_at = timezone.now()
        incident.save()
        for name, rows in relations.items():
            getattr(incident, name).set(rows)
        _check_systems_of_affected_constituents(incident)
        _record_status(incident, "", IncidentStatus.NEW, by=by)
        sync_legal_clocks(incident)
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
        for name, rows in relations.items():
            getattr(locked, name).set(rows)
        _check_systems_of_affected_constituents(locked)
        # Personal data, priority, affected constituents or discovery time may have changed.
        sync_legal_clocks(locked)
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
    # Containment is a response the constituent feels, whether or not a comment was shared.
    if status == IncidentStatus.CONTAINMENT and incident.first_response_at is None:
        incident.first_response_at = now
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
    if previous != status:
        notify_status_changed(incident, previous, by=by)
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
        previous_id = locked.assignee_id
        locked.assignee = assignee
        locked.save(update_fields=["assignee", "updated_at"])
        if assignee is not None and assignee.pk != previous_id:
            notify_assigned(locked, by=user)
    return locked


# --- Notifications ----------------------------------------------------------------------------------
# Written in the caller's transaction (``do_notify`` stores deliveries, sent after commit).


def _actor_name(by: Any) -> str:
    return (getattr(by, "full_name", "") or getattr(by, "email", "")) if by else ""


def _base_context(incident: Incident, by: Any) -> dict[str, Any]:
    return {
        "reference": incident.reference,
        "title": incident.title,
        "url": incident_url(incident),
        "actor": _actor_name(by),
    }


def notify_assigned(incident: Incident, *, by: Any) -> None:
    """Tell the new assignee (not someone who took the incident themselves), and the webhooks."""
    assignee = incident.assignee
    if assignee is None:
        return
    if getattr(by, "pk", None) != assignee.pk:
        upcoming = next_due(incident_slas(incident))
        context = {**_base_context(incident, by), "due_at": upcoming.due_at if upcoming else None}
        do_notify(
            "incident_assigned",
            recipients=[assignee],
            context=context,
            object_type=OBJECT_TYPE,
            object_id=str(incident.pk),
        )
    notify_incident_webhooks(
        "incident_assigned",
        incident,
        {"reference": incident.reference, "assignee_id": assignee.pk},
    )


def status_change_recipients(incident: Incident) -> list[Any]:
    """The assignee, the reporters who can still see the incident, and the contacts of affected
    constituents who asked to hear about incidents."""
    recipients: list[Any] = [incident.assignee] if incident.assignee else []
    reporters = User.objects.filter(is_active=True, incident_reports__incident=incident).distinct()
    # A reporter whose organization is no longer affected must not learn of the incident's fate.
    recipients += [
        reporter
        for reporter in reporters
        if Incident.objects.restrict(reporter, "view").filter(pk=incident.pk).exists()
    ]
    for organization in incident.affected_constituents.all():
        recipients += [
            contact
            for contact in organization.contacts.filter(is_active=True)
            if "incidents" in (contact.notification_kinds or []) and contact.email
        ]
    return recipients


def notify_status_changed(incident: Incident, previous: str, *, by: Any) -> None:
    context = {
        **_base_context(incident, by),
        "status": IncidentStatus(incident.status).label,
        "old_status": IncidentStatus(previous).label if previous else "",
    }
    recipients = [
        recipient
        for recipient in status_change_recipients(incident)
        if not (isinstance(recipient, User) and recipient.pk == getattr(by, "pk", None))
    ]
    do_notify(
        "incident_status_changed",
        recipients=recipients,
        context=context,
        object_type=OBJECT_TYPE,
        object_id=str(incident.pk),
    )
    notify_incident_webhooks(
        "incident_status_changed",
        incident,
        {"reference": incident.reference, "status": incident.status, "old_status": previous},
    )


# --- Bulk actions -----------------------------------------------------------------------------------

BULK_MAX = 200  # incidents per bulk request: a page of the list is 25


@dataclass(frozen=True)
class BulkResult:
    """What happened to one incident of a bulk action: done, or why not."""

    id: int
    ok: bool
    reference: str = ""
    error: str = ""


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or _("You may not do this.")


def check_bulk(
    user: Any, ids: Iterable[int], action: str, params: dict[str, Any]
) -> list[BulkResult]:
    """Assign or transition each incident in turn, each through its own checks.

    One incident that cannot change (permission, lifecycle) is reported and the others go on:
    every incident is its own transaction. Ids the user may not see are reported as not found.
    """
    principal = principal_for(user)
    if not (principal.has_perm("incident.change") or principal.has_perm("incident.assign")):
        raise PermissionDenied(_("You may not change incidents."))
    wanted = list(dict.fromkeys(int(pk) for pk in ids))
    if not wanted:
        raise ValidationError({"ids": _("Select at least one incident.")})
    if len(wanted) > BULK_MAX:
        raise ValidationError(
            {"ids": _("Select at most %(count)d incidents at a time.") % {"count": BULK_MAX}}
        )
    if action not in ("assign", "transition"):
        raise ValidationError({"action": _("Unknown bulk action.")})
    if action == "transition" and not params.get("status"):
        raise ValidationError({"status": _("Choose the new status.")})
    visible = Incident.objects.restrict(user, "view").in_bulk(wanted)
    return [_bulk_one(user, pk, visible.get(pk), action, params) for pk in wanted]


def _bulk_one(
    user: Any, pk: int, incident: Incident | None, action: str, params: dict[str, Any]
) -> BulkResult:
    if incident is None:
        return BulkResult(pk, False, error=_("No such incident."))
    try:
        if action == "assign":
            check_assign(user, incident, params.get("assignee_id"))
        else:
            check_transition(
                user,
                incident,
                params["status"],
                closure_reason=params.get("closure_reason") or "",
                note=params.get("note") or "",
            )
    except (ValidationError, PermissionDenied) as exc:
        return BulkResult(pk, False, incident.reference, _error_text(exc))
    return BulkResult(pk, True, incident.reference)


# --- Saved filters ------------------------------------------------------------------------------------

SAVED_FILTERS_MAX = 50  # per person


def saved_filters(user: Any) -> QuerySet[SavedFilter]:
    """The user's own saved filters (no one else's: they are personal)."""
    if not getattr(user, "is_authenticated", False):
        return SavedFilter.objects.none()
    return SavedFilter.objects.filter(user_id=user.pk)


def access_saved_filter(user: Any, pk: int) -> SavedFilter:
    return get_object_or_404(saved_filters(user), pk=pk)


def check_save_filter(user: Any, name: str, query: str) -> SavedFilter:
    """Save the query string under a name; the same name again replaces the old filter."""
    if not principal_for(user).has_perm("incident.view"):
        raise PermissionDenied(_("You may not list incidents."))
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Give the filter a name.")})
    if len(name) > 100:
        raise ValidationError({"name": _("Use at most 100 characters.")})
    if len(query) > 2000:
        raise ValidationError({"query": _("This filter is too long to save.")})
    with transaction.atomic():
        existing = saved_filters(user).select_for_update().filter(name=name).first()
        if existing is None and saved_filters(user).count() >= SAVED_FILTERS_MAX:
            raise ValidationError(
                {
                    "name": _("You have %(count)d saved filters; delete one first.")
                    % {"count": SAVED_FILTERS_MAX}
                }
            )
        if existing is not None:
            existing.query = query
            existing.save(update_fields=["query", "updated_at"])
            return existing
        return SavedFilter.objects.create(user=user, name=name, query=query)


def check_delete_saved_filter(user: Any, saved: SavedFilter) -> None:
    if saved.user_id != getattr(user, "pk", None):
        raise PermissionDenied(_("This filter is someone else's."))
    saved.delete()


# --- CSV export ---------------------------------------------------------------------------------------

EXPORT_COLUMNS = (
    ("reference", _lazy("Reference")),
    ("title", _lazy("Title")),
    ("status", _lazy("Status")),
    ("priority", _lazy("Priority")),
    ("rsit_class", _lazy("RSIT class")),
    ("rsit_type", _lazy("RSIT type")),
    ("tlp", _lazy("TLP")),
    ("pap", _lazy("PAP")),
    ("personal_data_involved", _lazy("Personal data involved")),
    ("affected_constituents", _lazy("Affected constituents")),
    ("assignee", _lazy("Assignee")),
    ("created_at", _lazy("Opened")),
    ("detected_at", _lazy("Detected")),
    ("reported_at", _lazy("Reported")),
    ("acknowledged_at", _lazy("Acknowledged")),
    ("resolved_at", _lazy("Resolved")),
    ("closed_at", _lazy("Closed")),
)
EXPORT_CHUNK = 500  # rows read from the database at a time while streaming
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """A cell a spreadsheet shows as text: one starting like a formula gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, datetime):
        text = value.astimezone(UTC).isoformat()
    else:
        text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _export_row(incident: Incident) -> list[str]:
    values: dict[str, Any] = {
        name: getattr(incident, name, None) for name, _label in EXPORT_COLUMNS
    }
    values["affected_constituents"] = "; ".join(
        org.name for org in incident.affected_constituents.all()
    )
    values["assignee"] = incident.assignee.email if incident.assignee else ""
    return [safe_cell(values[name]) for name, _label in EXPORT_COLUMNS]


def check_export_incidents(
    user: Any, queryset: QuerySet[Incident], filters: dict[str, Any]
) -> Iterator[list[str]]:
    """The rows of a CSV export (header first), recorded in the audit trail with the filters.

    ``queryset`` must already be restricted to what the user may export. The audit entry is
    written before the first row goes out, so an export cut short is still on record.
    """
    if not principal_for(user).has_perm("incident.export"):
        raise PermissionDenied(_("You may not export incidents."))
    rows = queryset.select_related("assignee").prefetch_related("affected_constituents")
    record_export("incidents.incident", rows.count(), filters)

    # Translated now: the rows are written after the view returned and its language was reset.
    header = [str(label) for _name, label in EXPORT_COLUMNS]

    def generate() -> Iterator[list[str]]:
        yield header
        for incident in rows.iterator(chunk_size=EXPORT_CHUNK):
            yield _export_row(incident)

    return generate()
