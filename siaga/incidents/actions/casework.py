"""Case work on an incident: tasks and playbooks, observables and correlation, the timeline,
comments, links between incidents and the merge of duplicates.

Every ``check_*`` first checks that the user may change the incident (``incident.change``: the
CERT's staff) — except comments, which constituents may add to incidents they can see, shared.
An incident merged into another is read-only for case work: the work continues on the other one.
Locks are taken incident first, in ascending id order when two incidents are involved (merges).
"""

from __future__ import annotations

import ipaddress
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from siaga.accounts.roles import principal_for
from siaga.core.observables import ObservableType, guess_type, normalize
from siaga.correlation.actions import Occurrence, forget_occurrences, record_occurrences
from siaga.correlation.choices import OccurrenceKind
from siaga.incidents.actions.incidents import cert_staff_users
from siaga.incidents.choices import ClosureReason, IncidentStatus
from siaga.incidents.models import (
    Comment,
    Incident,
    IncidentLink,
    IncidentMerge,
    IncidentStatusChange,
    Observable,
    Task,
    TaskStatus,
    TimelineEvent,
    Visibility,
)
from siaga.incidents.playbooks import PLAYBOOKS
from siaga.notifications.actions import do_notify, do_notify_webhooks

MAX_PASTED_OBSERVABLES = 1000
CORRELATION_LIMIT = 50  # other incidents shown per value: enough to act on, bounded in cost
NETWORK_SCAN_LIMIT = 10_000  # networks compared with an address in Python (no portable SQL)
# The zones offered for timeline times: Indonesia's three, and the zones logs are usually in.
COMMON_TIME_ZONES = (
    "Asia/Jakarta",
    "Asia/Makassar",
    "Asia/Jayapura",
    "UTC",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
)


def _check_may_work_on(user: Any, incident: Incident) -> None:
    if not Incident.objects.restrict(user, "change").filter(pk=incident.pk).exists():
        raise PermissionDenied(_("You may not work on this incident."))


def _merged_away() -> ValidationError:
    return ValidationError(_("This incident was merged into another one; work on that one."))


def _check_not_merged(incident: Incident) -> None:
    if incident.merged_into_id:
        raise _merged_away()


def _check_workable(user: Any, incident: Incident) -> None:
    """May change it, and it was not merged away (read from the database: the object may be old)."""
    found = list(
        Incident.objects.restrict(user, "change")
        .filter(pk=incident.pk)
        .values_list("merged_into_id", flat=True)
    )
    if not found:
        raise PermissionDenied(_("You may not work on this incident."))
    if found[0] is not None:
        raise _merged_away()


def incident_url(incident: Incident) -> str:
    return settings.SITE_URL + reverse("incidents:detail", args=[incident.pk])


# --- Tasks and playbooks ---------------------------------------------------------------------------


TASK_FIELDS = ("title", "description", "phase", "owner", "due_at")


def visible_tasks(user: Any, incident: Incident) -> QuerySet[Task]:
    return (
        Task.objects.restrict(user, "view")
        .filter(incident=incident)
        .select_related("owner")
        .order_by("position", "pk")
    )


def _check_task_fields(data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    refused = sorted(set(data) - set(allowed))
    if refused:
        raise ValidationError({name: _("This field cannot be set here.") for name in refused})
    owner = data.get("owner")
    # Tasks are the CERT's own work list: only its active staff can own one.
    if owner is not None and not cert_staff_users().filter(pk=owner.pk).exists():
        raise ValidationError({"owner": _("Tasks can be given only to CERT staff.")})


def check_add_task(user: Any, incident: Incident, data: dict[str, Any]) -> Task:
    _check_workable(user, incident)
    _check_task_fields(data, TASK_FIELDS)
    with transaction.atomic():
        Incident.objects.select_for_update().get(pk=incident.pk)  # positions stay unique
        task = Task(incident=incident, position=incident.tasks.count(), **data)
        task.full_clean()
        task.save()
    return task


def access_task(user: Any, pk: int) -> Task:
    return get_object_or_404(Task.objects.restrict(user, "view").select_related("incident"), pk=pk)


def check_update_task(user: Any, task: Task, data: dict[str, Any]) -> Task:
    _check_workable(user, task.incident)
    _check_task_fields(data, (*TASK_FIELDS, "status"))
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
    _check_workable(user, incident)
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


def _check_observable_type(type: str, field_name: str = "type") -> None:
    if type not in ObservableType.values:
        raise ValidationError({field_name: _("Unknown observable type.")})


def check_add_observable(
    user: Any,
    incident: Incident,
    *,
    type: str,
    value: str,
    description: str = "",
    is_ioc: bool = False,
) -> Observable:
    _check_workable(user, incident)
    _check_observable_type(type)
    try:
        canonical = normalize(type, value)
    except ValidationError as exc:
        raise ValidationError({"value": exc.messages}) from None
    already = ValidationError({"value": _("This value is already recorded on the incident.")})
    if incident.observables.filter(type=type, value=canonical).exists():
        raise already
    observable = Observable(
        incident=incident,
        type=type,
        value=canonical,
        description=description.strip(),
        is_ioc=is_ioc,
        created_by=user,
    )
    observable.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            observable.save()
            _correlate([observable])
    except IntegrityError:  # the same value added at the same moment by someone else
        raise already from None
    return observable


@dataclass
class PastedResult:
    """What a pasted list gave: the observables added, those already there, and the problems."""

    added: list[Observable] = field(default_factory=list)
    already_recorded: int = 0
    problems: list[str] = field(default_factory=list)


def check_add_pasted_observables(
    user: Any, incident: Incident, text: str, *, type: str = ""
) -> PastedResult:
    """Add one observable per line; the type is guessed unless given.

    Lines already recorded are counted, not refused; every other line that cannot be added is
    listed with its line number and reason, and the lines that could be added are added.
    """
    _check_workable(user, incident)
    if type:
        _check_observable_type(type)
    lines = [(number, line.strip()) for number, line in enumerate(text.splitlines(), start=1)]
    lines = [(number, line) for number, line in lines if line]
    if not lines:
        raise ValidationError({"text": _("Paste at least one value.")})
    if len(lines) > MAX_PASTED_OBSERVABLES:
        raise ValidationError(
            {"text": _("Paste at most %(max)d values at a time.") % {"max": MAX_PASTED_OBSERVABLES}}
        )
    result = PastedResult()
    with transaction.atomic():
        for number, line in lines:
            _add_pasted_line(user, incident, number, line, type, result)
        _correlate(result.added)
    return result


def _add_pasted_line(
    user: Any, incident: Incident, number: int, line: str, type: str, result: PastedResult
) -> None:
    kind = type or guess_type(line)
    if kind is None:
        result.problems.append(_("Line %(n)d: not a recognised value.") % {"n": number})
        return
    try:
        canonical = normalize(kind, line)
    except ValidationError as exc:
        result.problems.append(_("Line %(n)d: %(error)s") % {"n": number, "error": exc.messages[0]})
        return
    observable, created = Observable.objects.get_or_create(
        incident=incident, type=kind, value=canonical, defaults={"created_by": user}
    )
    if created:
        result.added.append(observable)
    else:
        result.already_recorded += 1


def access_observable(user: Any, pk: int) -> Observable:
    return get_object_or_404(
        Observable.objects.restrict(user, "view").select_related("incident"), pk=pk
    )


def check_delete_observable(user: Any, observable: Observable) -> None:
    _check_workable(user, observable.incident)
    with transaction.atomic():
        forget_occurrences(OccurrenceKind.OBSERVABLE, [observable.pk])
        observable.delete()


def _correlate(observables: list[Observable]) -> None:
    """Link new observables to every other holder of their values (siaga.correlation)."""
    record_occurrences(
        OccurrenceKind.OBSERVABLE, [Occurrence(o.type, o.value, o.pk) for o in observables]
    )


def _correlatable_incidents(user: Any) -> QuerySet[Incident]:
    """Incidents the user may see that still hold their own observables (not merged away)."""
    return Incident.objects.restrict(user, "view").filter(merged_into__isnull=True)


def correlated_incidents(user: Any, observable: Observable) -> QuerySet[Incident]:
    """Other incidents the user may see that hold the same value (for an IP: or a network
    containing it), newest first."""
    same_value = Observable.objects.filter(
        incident_id=OuterRef("pk"), type=observable.type, value=observable.value
    )
    matches = Q(Exists(same_value))
    if observable.type == ObservableType.IP:
        networks = _incidents_with_network_containing(user, observable.incident_id, [observable])
        matches |= Q(pk__in=sorted(networks[observable.pk]))
    return (
        _correlatable_incidents(user)
        .filter(matches)
        .exclude(pk=observable.incident_id)
        .order_by("-created_at", "-pk")[:CORRELATION_LIMIT]
    )


def _incidents_with_network_containing(
    user: Any, incident_id: int, addresses: list[Observable]
) -> dict[int, set[int]]:
    """For each IP observable, the other visible incidents holding a network that contains it."""
    found: dict[int, set[int]] = defaultdict(set)
    if not addresses:
        return found
    networks = (
        Observable.objects.filter(
            type=ObservableType.CIDR, incident__in=_correlatable_incidents(user)
        )
        .exclude(incident_id=incident_id)
        .values_list("incident_id", "value")[:NETWORK_SCAN_LIMIT]
    )
    parsed = [(other, ipaddress.ip_network(value, strict=False)) for other, value in networks]
    for observable in addresses:
        address = ipaddress.ip_address(observable.value)
        found[observable.pk] = {other for other, network in parsed if address in network}
    return found


def observables_with_correlations(user: Any, incident: Incident) -> list[Observable]:
    """The incident's observables, each with ``correlated`` (how many other incidents the user
    may see hold it): one query for the values, one for the networks that contain addresses."""
    others = (
        Observable.objects.filter(
            type=OuterRef("type"),
            value=OuterRef("value"),
            incident__in=_correlatable_incidents(user),
        )
        .exclude(incident_id=incident.pk)
        .order_by()
        .values("type")
        .annotate(total=Count("incident_id", distinct=True))
        .values("total")
    )
    observables: list[Observable] = list(
        Observable.objects.restrict(user, "view")
        .filter(incident=incident)
        .annotate(correlated=Coalesce(Subquery(others, output_field=IntegerField()), 0))
        .order_by("type", "value")
    )
    _add_network_correlations(user, incident, observables)
    return observables


def _add_network_correlations(user: Any, incident: Incident, observables: list[Observable]) -> None:
    addresses = [o for o in observables if o.type == ObservableType.IP]
    by_network = _incidents_with_network_containing(user, incident.pk, addresses)
    holders = set().union(*by_network.values()) if by_network else set()
    if not holders:
        return
    # Incidents that hold the address itself were already counted: count each incident once.
    exact = set(
        Observable.objects.filter(
            type=ObservableType.IP,
            value__in=[o.value for o in addresses],
            incident_id__in=sorted(holders),
        ).values_list("value", "incident_id")
    )
    for observable in addresses:
        extra = {i for i in by_network[observable.pk] if (observable.value, i) not in exact}
        observable.correlated += len(extra)  # type: ignore[attr-defined]


# --- Timeline and comments -------------------------------------------------------------------------


def check_time_zone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError({"time_zone": _("Unknown time zone.")}) from None
    return name


def check_add_timeline_event(user: Any, incident: Incident, data: dict[str, Any]) -> TimelineEvent:
    _check_workable(user, incident)
    data = dict(data)
    observables = list(data.pop("observables", []) or [])
    if any(o.incident_id != incident.pk for o in observables):
        raise ValidationError({"observables": _("Link only observables of this incident.")})
    evidence = list(data.pop("evidence", []) or [])
    if any(item.pk not in linkable_evidence_ids(incident) for item in evidence):
        raise ValidationError({"evidence": _("Link only evidence of this incident.")})
    check_time_zone(data.get("time_zone") or "Asia/Jakarta")
    with transaction.atomic():
        event = TimelineEvent(incident=incident, created_by=user, **data)
        event.full_clean()
        event.save()
        event.observables.set(observables)
        event.evidence.set(evidence)
    return event


def linkable_evidence(incident: Incident) -> QuerySet[Any]:
    """Evidence a timeline entry of the incident may point to: its own and its reports'."""
    from siaga.evidence.models import Evidence

    return Evidence.objects.filter(Q(incident=incident) | Q(report__incident=incident)).order_by(
        "uploaded_at", "pk"
    )


def linkable_evidence_ids(incident: Incident) -> set[int]:
    return set(linkable_evidence(incident).values_list("pk", flat=True))


def visible_comments(user: Any, incident: Incident) -> QuerySet[Comment]:
    return (
        Comment.objects.restrict(user, "view")
        .filter(incident=incident)
        .select_related("author")
        .order_by("created_at", "pk")
    )


def check_add_comment(user: Any, incident: Incident, body: str, visibility: str) -> Comment:
    """CERT staff write internal or shared comments; others, on incidents they see, shared ones.

    A shared comment from the CERT is notified to the reporters and the affected constituents.
    """
    principal = principal_for(user)
    # Auditors read everything and write nothing: seeing an incident is not enough to comment.
    visible = Incident.objects.restrict(user, "view").filter(pk=incident.pk).exists()
    if not visible or not principal.has_perm("comment.add"):
        raise PermissionDenied(_("You may not comment on this incident."))
    if Incident.objects.filter(pk=incident.pk, merged_into__isnull=False).exists():
        raise _merged_away()
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
            _notify_shared_comment(incident, comment)
    return comment


def _stamp_first_response(incident: Incident) -> None:
    Incident.objects.filter(pk=incident.pk, first_response_at=None).update(
        first_response_at=timezone.now()
    )


def comment_recipients(incident: Incident) -> list[Any]:
    """The reporters of the incident's reports, and the affected constituents' active contacts
    that receive incident news (``do_notify`` sends each address once)."""
    recipients: list[Any] = []
    for report in incident.reports.select_related("reporter").order_by("pk"):
        if report.reporter is not None:
            recipients.append(report.reporter)
        elif report.reporter_email:
            recipients.append(
                SimpleNamespace(email=report.reporter_email, language=report.language)
            )
    for organization in incident.affected_constituents.order_by("pk"):
        recipients += [
            contact
            for contact in organization.contacts.filter(is_active=True).order_by("pk")
            if "incidents" in (contact.notification_kinds or []) and contact.email
        ]
    return recipients


def _notify_shared_comment(incident: Incident, comment: Comment) -> None:
    author = comment.author
    actor = (getattr(author, "full_name", "") or getattr(author, "email", "")) if author else ""
    context = {
        "reference": incident.reference,
        "title": incident.title,
        "url": incident_url(incident),
        "actor": actor,
        "comment": comment.body,
    }
    do_notify(
        "comment_shared",
        recipients=comment_recipients(incident),
        context=context,
        object_type="incidents.incident",
        object_id=str(incident.pk),
    )
    payload = {"reference": incident.reference, "title": incident.title, "comment": comment.body}
    do_notify_webhooks(
        "comment_shared",
        list(incident.affected_constituents.order_by("pk")),
        payload,
        "incidents.incident",
        str(incident.pk),
    )


@dataclass
class TimelineEntry:
    """One line of the merged timeline: an event, a status change or a comment."""

    kind: str  # "event", "status" or "comment"
    at: datetime
    description: str
    time_zone: str = ""
    source: str = ""
    author: Any = None
    visibility: str = ""
    observables: list[Observable] = field(default_factory=list)
    evidence: list[Any] = field(default_factory=list)
    id: int = 0


def merged_timeline(user: Any, incident: Incident) -> list[TimelineEntry]:
    """Timeline events, status changes and comments the user may see, oldest first."""
    events = (
        TimelineEvent.objects.restrict(user, "view")
        .filter(incident=incident)
        .select_related("created_by")
        .prefetch_related("observables", "evidence")
    )
    entries = [
        TimelineEntry(
            kind="event",
            at=event.occurred_at,
            description=event.description,
            time_zone=event.time_zone,
            source=str(event.get_source_display()),
            author=event.created_by,
            visibility=event.visibility,
            observables=list(event.observables.all()),
            evidence=list(event.evidence.all()),
            id=event.pk,
        )
        for event in events
    ]
    entries += [_status_entry(change) for change in _status_changes(incident)]
    entries += [
        TimelineEntry(
            kind="comment",
            at=comment.created_at,
            description=comment.body,
            author=comment.author,
            visibility=comment.visibility,
            id=comment.pk,
        )
        for comment in visible_comments(user, incident)
    ]
    return sorted(entries, key=lambda entry: (entry.at, entry.kind, entry.id))


def _status_changes(incident: Incident) -> QuerySet[IncidentStatusChange]:
    return incident.status_changes.select_related("changed_by").order_by("changed_at", "pk")


def _status_entry(change: IncidentStatusChange) -> TimelineEntry:
    if change.from_status:
        text = _("Status: %(from)s → %(to)s") % {
            "from": change.get_from_status_display(),
            "to": change.get_to_status_display(),
        }
    else:
        text = _("Opened as %(status)s") % {"status": change.get_to_status_display()}
    if change.note:
        text = f"{text}. {change.note}"
    return TimelineEntry(
        kind="status",
        at=change.changed_at,
        description=text,
        author=change.changed_by,
        visibility=Visibility.SHARED,
        id=change.pk,
    )


# --- Links and merges ------------------------------------------------------------------------------


def find_incident(user: Any, text: str) -> Incident:
    """An incident the user may see, by its reference or its id (404 otherwise)."""
    text = (text or "").strip()
    visible = Incident.objects.restrict(user, "view")
    if text.isdigit():
        return get_object_or_404(visible, pk=int(text))
    return get_object_or_404(visible, reference__iexact=text)


def visible_links(user: Any, incident: Incident) -> tuple[list[IncidentLink], list[IncidentLink]]:
    """The links from and to the incident whose other end the user may see: (out, in)."""
    links = IncidentLink.objects.restrict(user, "view")
    visible = Incident.objects.restrict(user, "view")
    out = links.filter(source=incident, target__in=visible).select_related("target")
    in_ = links.filter(target=incident, source__in=visible).select_related("source")
    return list(out.order_by("pk")), list(in_.order_by("pk"))


def check_link_incidents(user: Any, source: Incident, target_id: int, kind: str) -> IncidentLink:
    _check_workable(user, source)
    target = get_object_or_404(Incident.objects.restrict(user, "view"), pk=target_id)
    if target.pk == source.pk:
        raise ValidationError({"target": _("An incident cannot be linked to itself.")})
    already = ValidationError({"target": _("These incidents are already linked.")})
    if IncidentLink.objects.filter(source=source, target=target).exists() or (
        IncidentLink.objects.filter(source=target, target=source).exists()
    ):
        raise already
    link = IncidentLink(source=source, target=target, kind=kind, created_by=user)
    link.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            link.save()
    except IntegrityError:  # the same link made at the same moment
        raise already from None
    return link


def access_link(user: Any, pk: int) -> IncidentLink:
    return get_object_or_404(
        IncidentLink.objects.restrict(user, "view").select_related("source", "target"), pk=pk
    )


def check_unlink(user: Any, link: IncidentLink) -> None:
    """CERT staff who may work on the link's source remove it (from either end's page)."""
    _check_may_work_on(user, link.source)
    with transaction.atomic():
        link.delete()


def merge_records(incident: Incident) -> QuerySet[IncidentMerge]:
    return incident.merges.select_related("merged_by").order_by("-merged_at")


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
        _check_not_merged(duplicate)
        if into.merged_into_id:
            raise ValidationError({"into": _("That incident was itself merged into another.")})
        if into.status == IncidentStatus.CLOSED:
            raise ValidationError({"into": _("Merge into an open incident.")})
        snapshot = _move_everything(duplicate, into)
        snapshot["evidence"] = _move_evidence(duplicate, into, user)
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


def _move_evidence(duplicate: Incident, into: Incident, user: Any) -> int:
    # Imported here: the evidence app builds on incidents, not the other way round.
    from siaga.evidence.actions import do_transfer_to_incident

    return do_transfer_to_incident(duplicate, into, actor=user)


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
    # The values left behind are already on ``into``: the merged incident no longer holds them.
    left_behind = duplicate.observables.values_list("pk", flat=True)
    forget_occurrences(OccurrenceKind.OBSERVABLE, list(left_behind))
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
