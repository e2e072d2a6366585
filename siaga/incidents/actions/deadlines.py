"""The deadlines of incidents: legal clocks and SLAs, their notices and their warnings.

``sync_legal_clocks`` runs after every change that can start a clock (opening, editing, triage):
it starts each clock the incident now needs (``siaga.incidents.legal_clocks``) and moves a running
clock when the discovery time is corrected. A clock never stops by itself: if the facts change so
that it no longer applies, an analyst waives it with a reason, which stays on record.

``scan_deadlines`` runs every minute (beat): it warns once per clock before it runs out and once
per SLA milestone when it is due soon and again when it is breached, by e-mail and webhook.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from siaga.accounts.models import User
from siaga.accounts.roles import Role
from siaga.incidents.choices import Impact, IncidentStatus
from siaga.incidents.legal_clocks import ClockKind, applicable_clocks, deadline, warning_at
from siaga.incidents.models import ClockStatus, Incident, LegalClock, SlaAlert
from siaga.incidents.notices import NoticeContact, NoticeDraft, NoticeFacts, render_notice
from siaga.incidents.slas import Milestone, SlaState, SlaStatus, sla_statuses
from siaga.notifications.actions import do_notify, do_notify_webhooks

SCAN_BATCH = 500  # open incidents examined per scan; a national CERT has a few hundred open


def clock_start(incident: Incident) -> datetime:
    """Discovery; when unknown, the moment the CERT heard of it (the conservative choice)."""
    return incident.detected_at or incident.reported_at or incident.created_at


def is_vital_infrastructure(incident: Incident) -> bool:
    return incident.affected_constituents.filter(profile__is_vital_infrastructure=True).exists()


def sync_legal_clocks(incident: Incident) -> list[LegalClock]:
    """Start the clocks the incident needs now; move running ones to a corrected discovery time."""
    start = clock_start(incident)
    needed = applicable_clocks(
        personal_data_involved=incident.personal_data_involved,
        vital_infrastructure=is_vital_infrastructure(incident),
        priority=incident.priority,
    )
    existing = {clock.kind: clock for clock in incident.legal_clocks.all()}
    for kind in needed:
        if kind not in existing:
            existing[kind] = _start_clock(incident, kind, start)
    for clock in existing.values():
        if clock.status == ClockStatus.RUNNING and clock.started_at != start:
            _move_clock(clock, start)
    return sorted(existing.values(), key=lambda clock: clock.due_at)


def _start_clock(incident: Incident, kind: ClockKind, start: datetime) -> LegalClock:
    try:
        with transaction.atomic():
            return LegalClock.objects.create(
                incident=incident,
                kind=kind,
                started_at=start,
                due_at=deadline(kind, start),
                warn_at=warning_at(kind, start),
            )
    except IntegrityError:  # started by a concurrent change of the same incident
        return LegalClock.objects.get(incident=incident, kind=kind)


def _move_clock(clock: LegalClock, start: datetime) -> None:
    kind = ClockKind(clock.kind)
    clock.started_at = start
    clock.due_at = deadline(kind, start)
    clock.warn_at = warning_at(kind, start)
    clock.warned_at = None  # a moved deadline deserves its own warning
    clock.save(update_fields=["started_at", "due_at", "warn_at", "warned_at", "updated_at"])


def access_clock(user: Any, pk: int, action: str = "view") -> LegalClock:
    return get_object_or_404(
        LegalClock.objects.restrict(user, action).select_related("incident"), pk=pk
    )


def _check_may_record(user: Any, clock: LegalClock) -> None:
    if not LegalClock.objects.restrict(user, "change").filter(pk=clock.pk).exists():
        raise PermissionDenied(_("You may not record this notice."))


def check_record_notice_sent(
    user: Any, clock: LegalClock, sent_to: str, note: str = ""
) -> LegalClock:
    _check_may_record(user, clock)
    if not sent_to.strip():
        raise ValidationError({"sent_to": _("Say to whom the notice was sent.")})
    with transaction.atomic():
        locked = LegalClock.objects.select_for_update().get(pk=clock.pk)
        if locked.status != ClockStatus.RUNNING:
            raise ValidationError(_("This clock is no longer running."))
        locked.status = ClockStatus.SENT
        locked.sent_at, locked.sent_by = timezone.now(), user
        locked.sent_to, locked.note = sent_to.strip(), note.strip()
        locked.save()
    return locked


def check_waive_clock(user: Any, clock: LegalClock, note: str) -> LegalClock:
    _check_may_record(user, clock)
    if not note.strip():
        raise ValidationError({"note": _("Say why no notice is required.")})
    with transaction.atomic():
        locked = LegalClock.objects.select_for_update().get(pk=clock.pk)
        if locked.status != ClockStatus.RUNNING:
            raise ValidationError(_("This clock is no longer running."))
        locked.status, locked.note = ClockStatus.WAIVED, note.strip()
        locked.save()
    return locked


# --- Notices -----------------------------------------------------------------------------------------


def notice_facts(incident: Incident) -> NoticeFacts:
    organization = incident.affected_constituents.order_by("name").first()
    return NoticeFacts(
        reference=incident.reference,
        title=incident.title,
        description=incident.description,
        organization=organization.name if organization else _("(no affected constituent yet)"),
        discovered_at=clock_start(incident),
        personal_data_description=incident.personal_data_description,
        handling_actions=incident.handling_actions,
        impact=_impact_lines(incident),
        chronology=_chronology(incident),
        contact=_notice_contact(organization),
    )


IMPACT_LABELS = {
    "patient_safety": _lazy("Patient safety"),
    "service_disruption": _lazy("Service disruption"),
    "records_affected": _lazy("Records affected"),
    "spread": _lazy("Spread"),
}


def _impact_lines(incident: Incident) -> list[tuple[str, str]]:
    return [
        (str(label), str(Impact(getattr(incident, name)).label))
        for name, label in IMPACT_LABELS.items()
        if getattr(incident, name) != Impact.NONE
    ]


def _chronology(incident: Incident) -> list[tuple[datetime, str]]:
    events = [(event.occurred_at, event.description) for event in incident.timeline.all()]
    changes = [
        (change.changed_at, _("Status: %(status)s") % {"status": change.get_to_status_display()})
        for change in incident.status_changes.all()
    ]
    return sorted(events + changes, key=lambda item: item[0])


def _notice_contact(organization: Any) -> NoticeContact | None:
    if organization is None:
        return None
    preferred = (
        "data_protection_officer",
        "security_officer",
        "director",
        "it_lead",
        "hotline_24_7",
    )
    contacts = {c.role: c for c in organization.contacts.filter(is_active=True)}
    for role in preferred:
        if role in contacts:
            c = contacts[role]
            return NoticeContact(c.name, str(c.get_role_display()), c.email, c.phone)
    return None


def notice_draft(clock: LegalClock, language: str, tz: str) -> NoticeDraft:
    return render_notice(ClockKind(clock.kind), notice_facts(clock.incident), language, tz)


# --- SLAs ---------------------------------------------------------------------------------------------


def incident_slas(incident: Incident, now: datetime | None = None) -> list[SlaStatus]:
    return sla_statuses(
        priority=incident.priority,
        start=incident.reported_at or incident.created_at,
        met={
            Milestone.ACKNOWLEDGE: incident.acknowledged_at,
            Milestone.TRIAGE: incident.triaged_at,
            Milestone.FIRST_RESPONSE: incident.first_response_at,
            Milestone.RESOLVE: incident.resolved_at,
        },
        closed=incident.status == IncidentStatus.CLOSED,
        now=now or timezone.now(),
    )


# --- The scan (every minute) ---------------------------------------------------------------------------


def scan_deadlines(now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    return {"clock_warnings": _warn_clocks(now), "sla_alerts": _alert_slas(now)}


def _warn_clocks(now: datetime) -> int:
    warned = 0
    due = LegalClock.objects.filter(
        status=ClockStatus.RUNNING, warned_at=None, warn_at__lte=now
    ).select_related("incident")
    for clock in due[:SCAN_BATCH]:
        with transaction.atomic():
            # Claimed with a conditional update, so two scans never warn twice.
            if not LegalClock.objects.filter(pk=clock.pk, warned_at=None).update(warned_at=now):
                continue
            _notify_clock(clock)
            warned += 1
    return warned


def _alert_slas(now: datetime) -> int:
    alerts = 0
    open_incidents = (
        Incident.objects.exclude(status=IncidentStatus.CLOSED)
        .filter(merged_into=None)
        .select_related("assignee")
        .order_by("pk")
    )
    for incident in open_incidents[:SCAN_BATCH]:
        for status in incident_slas(incident, now):
            if status.state in (SlaState.WARNING, SlaState.BREACHED) and _claim_alert(
                incident, status, now
            ):
                alerts += 1
    return alerts


def _claim_alert(incident: Incident, status: SlaStatus, now: datetime) -> bool:
    try:
        with transaction.atomic():
            SlaAlert.objects.create(
                incident=incident,
                milestone=status.milestone.value,
                state=status.state.value,
                notified_at=now,
            )
            _notify_sla(incident, status)
    except IntegrityError:  # already notified
        return False
    return True


def incident_url(incident: Incident) -> str:
    return settings.SITE_URL + reverse("incidents:detail", args=[incident.pk])


def duty_recipients(incident: Incident) -> list[User]:
    """Who hears of a deadline: the assignee, or, while nobody is assigned, the CERT's leads."""
    if incident.assignee_id and incident.assignee and incident.assignee.is_active:
        return [incident.assignee]
    return list(
        User.objects.filter(
            is_active=True,
            memberships__role=Role.CERT_LEAD,
            memberships__organization__is_active=True,
        ).distinct()
    )


def _notify_sla(incident: Incident, status: SlaStatus) -> None:
    kind = "sla_breach" if status.state == SlaState.BREACHED else "sla_warning"
    context = {
        "reference": incident.reference,
        "title": incident.title,
        "url": incident_url(incident),
        "target": status.milestone.label,
        "due_at": status.due_at,
    }
    do_notify(
        kind,
        recipients=duty_recipients(incident),
        context=context,
        object_type="incidents.incident",
        object_id=str(incident.pk),
    )
    do_notify_webhooks(
        kind,
        None,
        {
            "reference": incident.reference,
            "milestone": status.milestone.value,
            "due_at": status.due_at,
        },
        "incidents.incident",
        str(incident.pk),
    )


def _notify_clock(clock: LegalClock) -> None:
    incident = clock.incident
    context = {
        "reference": incident.reference,
        "title": incident.title,
        "url": incident_url(incident),
        "clock": ClockKind(clock.kind).label,
        "due_at": clock.due_at,
    }
    recipients: list[Any] = duty_recipients(incident)
    for organization in incident.affected_constituents.all():
        recipients += [
            contact
            for contact in organization.contacts.filter(is_active=True)
            if "legal_notices" in (contact.notification_kinds or []) and contact.email
        ]
    do_notify(
        "clock_warning",
        recipients=recipients,
        context=context,
        object_type="incidents.incident",
        object_id=str(incident.pk),
    )
