"""Case work on an incident: tasks and playbooks, observables and correlation, the timeline,
comments, links between incidents and the merge of duplicates.

Every ``check_*`` first checks that the user may change the incident (``incident.change``: the
CERT's staff) — except comments, which constituents may add to incidents they can see, shared.
Locks are taken incident first, in ascending id order when two incidents are involved (merges).
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from siaga.accounts.roles import principal_for
from siaga.core.observables import ObservableType, guess_type, normalize
from siaga.incidents.choices import ClosureReason, IncidentStatus
from siaga.incidents.models import (
    Comment,
    Incident,
    IncidentLink,
    IncidentMerge,
    Observable,
    Task,
    TaskStatus,
    TimelineEvent,
    Visibility,
)
from siaga.incidents.playbooks import PLAYBOOKS

MAX_PASTED_OBSERVABLES = 1000
CORRELATION_LIMIT = 50  # other incidents shown per value: enough to act on, bounded in cost


def _check_may_work_on(user: Any, incident: Incident) -> None:
    if not Incident.objects.restrict(user, "change").filter(pk=incident.pk).exists():
        raise PermissionDenied(_("You may not work on this incident."))


def _check_not_merged(incident: Incident) -> None:
    if incident.merged_into_id:
        raise ValidationError(_("This incident was merged into another one; work on that one."))


# --- Tasks and playbooks ---------------------------------------------------------------------------


TASK_FIELDS = ("title", "description", "phase", "owner", "due_at")


def check_add_task(user: Any, incident: Incident, data: dict[str, Any]) -> Task:
    _check_may_work_on(user, incident)
    _check_not_merged(incident)
    fields = {name: value for name, value in data.items() if name in TASK_FIELDS}
    position = incident.tasks.count()
    task = Task(incident=incident, position=position, **fields)
    task.full_clean()
    task.save()
    return task


def access_task(user: Any, pk: int) -> Task:
    return get_object_or_404(Task.objects.restrict(user, "view").select_related("incident"), pk=pk)


def check_update_task(user: Any, task: Task, data: dict[str, Any]) -> Task:
    _check_may_work_on(user, task.incident)
    refused = sorted(set(data) - {*TASK_FIELDS, "status"})
    if refused:
        raise ValidationError({name: _("This field cannot be set here.") for name in refused})
    with transaction.atomic():
        locked = Task.objects.select_for_update().get(pk=task.pk)
        was_open = locked.is_open
        for name, value in data.items():
            setattr(locked, name, value)
        if was_open and locked.status == TaskStatus.DONE:
            locked.completed_at, locked.completed_by = timezone.now(), user
        elif locked.is_open:
            locked.completed_at, locked.completed_by = None, None
        locked.full_clean()
        locked.save()
    return locked


def check_apply_playbook(user: Any, incident: Incident, slug: str) -> list[Task]:
    """Add the playbook's tasks, due from now, written in the language of who applies it."""
    _check_may_work_on(user, incident)
    _check_not_merged(incident)
    playbook = PLAYBOOKS.get(slug)
    if playbook is None:
        raise ValidationError({"playbook": _("Unknown playbook.")})
    with transaction.atomic():
        Incident.objects.select_for_update().get(pk=incident.pk)
        if incident.tasks.filter(playbook=slug).exists():
            raise ValidationError({"playbook": _("This playbook was already applied.")})
        now, start = timezone.now(), incident.tasks.count()
        language = getattr(user, "language", "") or translation.get_language()
        with translation.override(language):
            tasks = [
                Task(
                    incident=incident,
                    title=str(template.title),
                    phase=template.phase,
                    due_at=now + timedelta(hours=template.due_hours)
                    if template.due_hours
                    else None,
                    playbook=slug,
                    position=start + index,
                )
                for index, template in enumerate(playbook.tasks)
            ]
        for task in tasks:
            task.save()  # one by one: each task is audited
    return tasks


# --- Observables and correlation -------------------------------------------------------------------


def check_add_observable(
    user: Any,
    incident: Incident,
    *,
    type: str,
    value: str,
    description: str = "",
    is_ioc: bool = False,
) -> Observable:
    _check_may_work_on(user, incident)
    _check_not_merged(incident)
    try:
        canonical = normalize(type, value)
    except ValidationError as exc:
        raise ValidationError({"value": exc.messages}) from None
    if incident.observables.filter(type=type, value=canonical).exists():
        raise ValidationError({"value": _("This value is already recorded on the incident.")})
    try:
        with transaction.atomic():
            return Observable.objects.create(
                incident=incident,
                type=type,
                value=canonical,
                description=description,
                is_ioc=is_ioc,
                created_by=user,
            )
    except IntegrityError:  # the same value added at the same moment by someone else
        raise ValidationError(
            {"value": _("This value is already recorded on the incident.")}
        ) from None


def check_add_pasted_observables(
    user: Any, incident: Incident, text: str, *, type: str = ""
) -> tuple[list[Observable], list[str]]:
    """Add one observable per line; the type is guessed unless given. Returns (added, problems).

    Lines already recorded are skipped without complaint; every other line that cannot be added is
    listed with its reason, and the lines that could be added are added.
    """
    _check_may_work_on(user, incident)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_PASTED_OBSERVABLES:
        raise ValidationError(
            _("Paste at most %(max)d values at a time.") % {"max": MAX_PASTED_OBSERVABLES}
        )
    added: list[Observable] = []
    problems: list[str] = []
    for number, line in enumerate(lines, start=1):
        kind = type or guess_type(line)
        if kind is None:
            problems.append(_("Line %(n)d: not a recognised value.") % {"n": number})
            continue
        try:
            canonical = normalize(kind, line)
        except ValidationError as exc:
            problems.append(_("Line %(n)d: %(error)s") % {"n": number, "error": exc.messages[0]})
            continue
        observable, created = Observable.objects.get_or_create(
            incident=incident, type=kind, value=canonical, defaults={"created_by": user}
        )
        if created:
            added.append(observable)
    return added, problems


def correlated_incidents(user: Any, observable: Observable) -> QuerySet[Incident]:
    """Other incidents the user may see that hold the same value (for an IP: or a network
    containing it)."""
    same_value = Observable.objects.filter(type=observable.type, value=observable.value)
    incident_ids = set(
        same_value.exclude(incident_id=observable.incident_id).values_list(
            "incident_id", flat=True
        )[: CORRELATION_LIMIT * 2]
    )
    if observable.type == ObservableType.IP:
        incident_ids |= _incidents_with_network_containing(observable)
    return (
        Incident.objects.restrict(user, "view")
        .filter(pk__in=sorted(incident_ids))
        .order_by("-created_at")[:CORRELATION_LIMIT]
    )


def _incidents_with_network_containing(observable: Observable) -> set[int]:
    address = ipaddress.ip_address(observable.value)
    networks = (
        Observable.objects.filter(type=ObservableType.CIDR)
        .exclude(incident_id=observable.incident_id)
        .values_list("incident_id", "value")[:10_000]
    )
    return {
        incident_id
        for incident_id, network in networks
        if address in ipaddress.ip_network(network, strict=False)
    }


# --- Timeline and comments -------------------------------------------------------------------------


def check_add_timeline_event(user: Any, incident: Incident, data: dict[str, Any]) -> TimelineEvent:
    _check_may_work_on(user, incident)
    observables = list(data.pop("observables", []) or [])
    if any(o.incident_id != incident.pk for o in observables):
        raise ValidationError({"observables": _("Link only observables of this incident.")})
    with transaction.atomic():
        event = TimelineEvent(incident=incident, created_by=user, **data)
        event.full_clean()
        event.save()
        event.observables.set(observables)
    return event


def check_add_comment(user: Any, incident: Incident, body: str, visibility: str) -> Comment:
    """CERT staff write internal or shared comments; others, on incidents they see, shared ones."""
    principal = principal_for(user)
    if not Incident.objects.restrict(user, "view").filter(pk=incident.pk).exists():
        raise PermissionDenied(_("You may not comment on this incident."))
    if visibility == Visibility.INTERNAL and not principal.is_cert_staff:
        raise PermissionDenied(_("Only the CERT's staff write internal comments."))
    if not body.strip():
        raise ValidationError({"body": _("Write a comment.")})
    with transaction.atomic():
        comment = Comment(incident=incident, author=user, body=body.strip(), visibility=visibility)
        comment.full_clean()
        comment.save()
        if visibility == Visibility.SHARED and principal.is_cert_staff:
            _stamp_first_response(incident)
    return comment


def _stamp_first_response(incident: Incident) -> None:
    Incident.objects.filter(pk=incident.pk, first_response_at=None).update(
        first_response_at=timezone.now()
    )


# --- Links and merges ------------------------------------------------------------------------------


def check_link_incidents(user: Any, source: Incident, target_id: int, kind: str) -> IncidentLink:
    _check_may_work_on(user, source)
    target = get_object_or_404(Incident.objects.restrict(user, "view"), pk=target_id)
    if target.pk == source.pk:
        raise ValidationError({"target": _("An incident cannot be linked to itself.")})
    if IncidentLink.objects.filter(source=source, target=target).exists() or (
        IncidentLink.objects.filter(source=target, target=source).exists()
    ):
        raise ValidationError({"target": _("These incidents are already linked.")})
    link = IncidentLink(source=source, target=target, kind=kind, created_by=user)
    link.full_clean()
    link.save()
    return link


def check_merge(user: Any, duplicate: Incident, into_id: int, note: str = "") -> Incident:
    """Move everything of the duplicate into the other incident, keep a record, close it."""
    _check_may_work_on(user, duplicate)
    into = get_object_or_404(Incident.objects.restrict(user, "change"), pk=into_id)
    if into.pk == duplicate.pk:
        raise ValidationError({"into": _("An incident cannot be merged into itself.")})
    with transaction.atomic():
        locked = {
            i.pk: i
            for i in Incident.objects.select_for_update()
            .filter(pk__in=sorted({duplicate.pk, into.pk}))
            .order_by("pk")
        }
        duplicate, into = locked[duplicate.pk], locked[into.pk]
        for incident in (duplicate, into):
            _check_not_merged(incident)
        if into.status == IncidentStatus.CLOSED:
            raise ValidationError({"into": _("Merge into an open incident.")})
        snapshot = _move_everything(duplicate, into)
        IncidentMerge.objects.create(
            into=into,
            merged_reference=duplicate.reference,
            merged_title=duplicate.title,
            snapshot=snapshot,
            merged_by=user,
            merged_at=timezone.now(),
        )
        _close_as_merged(user, duplicate, into, note)
    return into


def _move_everything(duplicate: Incident, into: Incident) -> dict[str, Any]:
    known = set(into.observables.values_list("type", "value"))
    moved_observables = [o for o in duplicate.observables.all() if (o.type, o.value) not in known]
    snapshot = {
        "reports": list(duplicate.reports.values_list("tracking_id", flat=True)),
        "observables": [f"{o.type}:{o.value}" for o in moved_observables],
        "tasks": duplicate.tasks.count(),
        "comments": duplicate.comments.count(),
        "timeline": duplicate.timeline.count(),
        "affected_constituents": list(duplicate.affected_constituents.values_list("pk", flat=True)),
        "shared_with": list(duplicate.shared_with.values_list("pk", flat=True)),
    }
    duplicate.reports.update(incident=into)
    Observable.objects.filter(pk__in=[o.pk for o in moved_observables]).update(incident=into)
    offset = into.tasks.count()
    for task in duplicate.tasks.order_by("position", "pk"):
        Task.objects.filter(pk=task.pk).update(incident=into, position=offset + task.position)
    duplicate.comments.update(incident=into)
    duplicate.timeline.update(incident=into)
    into.affected_constituents.add(*duplicate.affected_constituents.all())
    into.shared_with.add(*duplicate.shared_with.all())
    if duplicate.personal_data_involved and not into.personal_data_involved:
        into.personal_data_involved = True
        into.save(update_fields=["personal_data_involved", "updated_at"])
    return snapshot


def _close_as_merged(user: Any, duplicate: Incident, into: Incident, note: str) -> None:
    from siaga.incidents.actions.incidents import _record_status

    previous = duplicate.status
    now = timezone.now()
    duplicate.status = IncidentStatus.CLOSED
    duplicate.closure_reason = ClosureReason.DUPLICATE
    duplicate.merged_into = into
    duplicate.closed_at = duplicate.closed_at or now
    duplicate.resolved_at = duplicate.resolved_at or now
    duplicate.save()
    text = _("Merged into %(reference)s.") % {"reference": into.reference}
    _record_status(
        duplicate,
        previous,
        IncidentStatus.CLOSED,
        by=user,
        note=f"{text} {note}".strip(),
        closure_reason=ClosureReason.DUPLICATE,
    )
