"""The deadlines of incidents: legal clocks and SLAs, their notices and their warnings.

``sync_legal_clocks`` runs after every change that can start a clock (opening, editing, triage):
it starts each clock the incident now needs (``siaga.incidents.legal_clocks``) and moves a running
clock when the discovery time is corrected. A clock never stops by itself: if the facts change so
that it no longer applies, an analyst waives it with a reason, which stays on record.

``scan_deadlines`` runs every minute (beat): it warns once per clock before it runs out and once
per SLA milestone when it is due soon and again when it is breached, by e-mail and webhook.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from siaga.accounts.models import User
from siaga.accounts.roles import Role, principal_for
from siaga.incidents.choices import Impact, IncidentStatus, Priority
from siaga.incidents.legal_clocks import ClockKind, applicable_clocks, deadline, warning_at
from siaga.incidents.models import ClockStatus, Incident, LegalClock, SlaAlert, TimelineEvent
from siaga.incidents.notices import NoticeContact, NoticeDraft, NoticeFacts, render_notice
from siaga.incidents.slas import Milestone, SlaState, SlaStatus, next_due, sla_statuses, target
from siaga.notifications.actions import do_notify, do_notify_webhooks

OBJECT_TYPE = "incidents.incident"
SCAN_BATCH = 500  # rows read at a time by the scan; a national CERT has a few hundred open


def clock_start(incident: Incident) -> datetime:
    """Discovery; when unknown, the moment the CERT heard of it (the conservative choice)."""
    return incident.detected_at or incident.reported_at or incident.created_at


def is_vital_infrastructure(incident: Incident) -> bool:
    """Whether an affected constituent is vital information infrastructure (its profile says so).

    A constituent without a profile yet is not counted: the join finds no profile row for it.
    """
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


def may_record(user: Any, clock: LegalClock) -> bool:
    """CERT staff, and the administrator of a constituent the incident *affects*.

    The constituent is the data controller that sends the notice; an organization the incident was
    only shared with sees the clock but does not answer for it.
    """
    grant = principal_for(user).scopes("legalclock.change")
    if grant.all:
        return True
    if not grant.org_ids:
        return False
    return clock.incident.affected_constituents.filter(pk__in=sorted(grant.org_ids)).exists()


def _check_may_record(user: Any, clock: LegalClock) -> None:
    visible = LegalClock.objects.restrict(user, "change").filter(pk=clock.pk).exists()
    if not visible or not may_record(user, clock):
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


def notice_facts(incident: Incident, user: Any = None) -> NoticeFacts:
    """The facts a notice needs; with ``user``, only the timeline entries that user may see."""
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
        chronology=_chronology(incident, user),
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


def _chronology(incident: Incident, user: Any = None) -> list[tuple[datetime, str]]:
    timeline = (
        TimelineEvent.objects.restrict(user, "view") if user is not None else TimelineEvent.objects
    ).filter(incident=incident)
    events = [(event.occurred_at, event.description) for event in timeline]
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


def notice_draft(clock: LegalClock, language: str, tz: str, user: Any = None) -> NoticeDraft:
    # The facts carry translated words (impact levels, statuses, contact roles): gathered in the
    # notice's language, not the reader's, or an Indonesian notice would quote English labels.
    with translation.override(language):
        facts = notice_facts(clock.incident, user)
    return render_notice(ClockKind(clock.kind), facts, language, tz)


# --- SLAs ---------------------------------------------------------------------------------------------

# The incident field that records each milestone as met.
MILESTONE_FIELDS = {
    Milestone.ACKNOWLEDGE: "acknowledged_at",
    Milestone.TRIAGE: "triaged_at",
    Milestone.FIRST_RESPONSE: "first_response_at",
    Milestone.RESOLVE: "resolved_at",
}


def sla_start(incident: Incident) -> datetime:
    return incident.reported_at or incident.created_at


def incident_slas(incident: Incident, now: datetime | None = None) -> list[SlaStatus]:
    """Each milestone's due time and state; computed from the row alone (no query)."""
    return sla_statuses(
        priority=incident.priority,
        start=sla_start(incident),
        met={milestone: getattr(incident, name) for milestone, name in MILESTONE_FIELDS.items()},
        closed=incident.status == IncidentStatus.CLOSED,
        now=now or timezone.now(),
    )


def _sla_condition(now: datetime, percent: int, *, due_soon_only: bool = False) -> Q:
    """Incidents with an unmet milestone that has used ``percent`` of its time or more.

    ``percent=100`` means past due (breached); ``due_soon_only`` leaves out the breached part.
    Written as one condition per priority and milestone over the stored fields, so the database
    does the filtering and a list can page through the result (the caller aliases ``sla_start``).
    """
    condition = Q(pk__in=[])
    for priority in Priority.values:
        for milestone, field in MILESTONE_FIELDS.items():
            length = target(priority, milestone)
            used = Q(priority=priority, **{f"{field}__isnull": True})
            if percent >= 100:
                used &= Q(sla_start__lt=now - length)
            else:
                used &= Q(sla_start__lte=now - length * percent / 100)
                if due_soon_only:
                    used &= Q(sla_start__gte=now - length)
            condition |= used
    return condition


def _with_sla_start(queryset: QuerySet[Incident]) -> QuerySet[Incident]:
    return queryset.exclude(status=IncidentStatus.CLOSED).alias(
        sla_start=Coalesce("reported_at", "created_at")
    )


def with_sla_state(queryset: QuerySet[Incident], state: str, now: datetime) -> QuerySet[Incident]:
    """Open incidents with a milestone ``breached``, or ``warning`` (due soon)."""
    if state == SlaState.BREACHED:
        return _with_sla_start(queryset).filter(_sla_condition(now, 100))
    percent = settings.SIAGA_SLA_WARNING_PERCENT
    return _with_sla_start(queryset).filter(_sla_condition(now, percent, due_soon_only=True))


@dataclass(frozen=True)
class Deadline:
    """The next thing an incident must do by a time: an SLA milestone or a legal clock."""

    label: str
    due_at: datetime
    state: str  # "breached", "due_soon" or "running"
    is_clock: bool

    @property
    def is_late(self) -> bool:
        return self.state == "breached"


def clock_state(clock: LegalClock, now: datetime) -> str:
    if clock.status != ClockStatus.RUNNING:
        return clock.status
    if now > clock.due_at:
        return "breached"
    return "due_soon" if now >= clock.warn_at else "running"


SLA_ROW_STATES = {SlaState.BREACHED: "breached", SlaState.WARNING: "due_soon"}


def next_deadline(
    incident: Incident, running_clocks: list[LegalClock], now: datetime
) -> Deadline | None:
    """The open SLA milestone due first, or the soonest running clock if that is earlier."""
    candidates: list[Deadline] = []
    sla = next_due(incident_slas(incident, now))
    if sla is not None:
        label = _("SLA: %(milestone)s") % {"milestone": sla.milestone.label}
        candidates.append(
            Deadline(label, sla.due_at, SLA_ROW_STATES.get(sla.state, "running"), False)
        )
    for clock in running_clocks:
        if clock.status == ClockStatus.RUNNING:
            label = ClockKind(clock.kind).label
            candidates.append(Deadline(label, clock.due_at, clock_state(clock, now), True))
    return min(candidates, key=lambda deadline: deadline.due_at, default=None)


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
            claimed = LegalClock.objects.filter(
                pk=clock.pk, warned_at=None, status=ClockStatus.RUNNING
            ).update(warned_at=now)
            if not claimed:
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
    # Only incidents with a milestone due soon or late are read, a batch at a time.
    late_or_soon = _with_sla_start(open_incidents).filter(
        _sla_condition(now, settings.SIAGA_SLA_WARNING_PERCENT)
    )
    for incident in late_or_soon.iterator(chunk_size=SCAN_BATCH):
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
    notify_incident_webhooks(
        "clock_warning",
        incident,
        {"reference": incident.reference, "clock": clock.kind, "due_at": clock.due_at},
    )


def notify_incident_webhooks(kind: str, incident: Incident, payload: dict[str, Any]) -> None:
    """POST an incident's event, once, to the webhooks of the affected constituents and the CERT's."""
    organizations = list(incident.affected_constituents.order_by("pk"))
    do_notify_webhooks(kind, organizations, payload, OBJECT_TYPE, str(incident.pk))
