"""Service-level targets of an incident: acknowledge, triage, first response and resolve.

Every target counts from the moment the CERT learned of the incident (``reported_at``; the
incident's creation when no report fed it) and takes its length from the incident's *current*
priority (``settings.SIAGA_SLA_TARGETS``, minutes per priority and milestone): raising the priority
of a running incident brings its deadlines forward, which is what a duty officer expects.

A milestone is met by the first time stamp the incident records for it:

- acknowledge: ``acknowledged_at`` (the first report was triaged, or an analyst took it);
- triage: ``triaged_at`` (a report was triaged into the incident, or it went past "triage" into
  analysis or later);
- first response: ``first_response_at`` (the first comment shared with the reporter, or containment);
- resolve: ``resolved_at``.

States: *met*, *met late*, *running*, *warning* (``SIAGA_SLA_WARNING_PERCENT`` of the time used)
and *breached*. A closed incident's unmet milestones are not counted against anyone: they are
*not applicable* (an incident closed as a false positive never needed a first response).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils.translation import gettext_lazy as _


class Milestone(enum.StrEnum):
    ACKNOWLEDGE = "acknowledge"
    TRIAGE = "triage"
    FIRST_RESPONSE = "first_response"
    RESOLVE = "resolve"

    @property
    def label(self) -> str:
        return str(MILESTONE_LABELS[self])


MILESTONE_LABELS = {
    Milestone.ACKNOWLEDGE: _("Acknowledge"),
    Milestone.TRIAGE: _("Triage"),
    Milestone.FIRST_RESPONSE: _("First response"),
    Milestone.RESOLVE: _("Resolve"),
}


class SlaState(enum.StrEnum):
    MET = "met"
    MET_LATE = "met_late"
    RUNNING = "running"
    WARNING = "warning"
    BREACHED = "breached"
    NOT_APPLICABLE = "not_applicable"

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self])

    @property
    def is_problem(self) -> bool:
        return self in (SlaState.WARNING, SlaState.BREACHED, SlaState.MET_LATE)


STATE_LABELS = {
    SlaState.MET: _("met"),
    SlaState.MET_LATE: _("met late"),
    SlaState.RUNNING: _("running"),
    SlaState.WARNING: _("due soon"),
    SlaState.BREACHED: _("breached"),
    SlaState.NOT_APPLICABLE: _("not applicable"),
}


@dataclass(frozen=True)
class SlaStatus:
    milestone: Milestone
    due_at: datetime
    met_at: datetime | None
    state: SlaState

    def remaining(self, now: datetime) -> timedelta:
        return self.due_at - now


def target(priority: str, milestone: Milestone) -> timedelta:
    minutes = settings.SIAGA_SLA_TARGETS.get(priority, settings.SIAGA_SLA_TARGETS["P4"])
    return timedelta(minutes=minutes[milestone.value])


def state_of(
    *, start: datetime, due: datetime, met_at: datetime | None, closed: bool, now: datetime
) -> SlaState:
    if met_at is not None:
        return SlaState.MET if met_at <= due else SlaState.MET_LATE
    if closed:
        return SlaState.NOT_APPLICABLE
    if now > due:
        return SlaState.BREACHED
    used = (now - start) / (due - start) if due > start else 1.0
    return (
        SlaState.WARNING if used * 100 >= settings.SIAGA_SLA_WARNING_PERCENT else SlaState.RUNNING
    )


def sla_statuses(
    *,
    priority: str,
    start: datetime,
    met: dict[Milestone, datetime | None],
    closed: bool,
    now: datetime,
) -> list[SlaStatus]:
    """One status per milestone, in the order an incident meets them."""
    statuses = []
    for milestone in Milestone:
        due = start + target(priority, milestone)
        met_at = met.get(milestone)
        state = state_of(start=start, due=due, met_at=met_at, closed=closed, now=now)
        statuses.append(SlaStatus(milestone, due, met_at, state))
    return statuses


def next_due(statuses: list[SlaStatus]) -> SlaStatus | None:
    """The open milestone that falls due first: what lists show in their "due" column."""
    open_ones = [s for s in statuses if s.met_at is None and s.state != SlaState.NOT_APPLICABLE]
    return min(open_ones, key=lambda s: s.due_at, default=None)
