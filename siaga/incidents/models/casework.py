"""The work on an incident: tasks, observables, timeline, comments, links, merges, clocks, SLA alerts.

Every row here belongs to one incident and is visible to whoever may see the incident
(``visible_through_incident``), narrowed where the row is internal to the CERT: tasks are the
CERT's own work list, and a comment or timeline entry is internal unless it was explicitly shared
with the constituent (``restrict_extra``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from siaga.core.models import RestrictedModel, TimeStampedModel
from siaga.core.observables import ObservableType
from siaga.incidents.choices import (
    ClockStatus,
    IncidentStatus,
    LinkKind,
    TaskStatus,
    TimelineSource,
    Visibility,
)
from siaga.incidents.legal_clocks import CLOCK_LABELS
from siaga.incidents.models.incidents import Incident


def visible_through_incident(org_ids: frozenset[int], path: str = "incident") -> Q:
    """Rows whose incident affects one of the organizations or was shared with one of them."""
    ids = sorted(org_ids)
    incident_ref = OuterRef(f"{path}_id")
    affected = Incident.affected_constituents.through.objects.filter(
        incident_id=incident_ref, organization_id__in=ids
    )
    shared = Incident.shared_with.through.objects.filter(
        incident_id=incident_ref, organization_id__in=ids
    )
    return Q(Exists(affected)) | Q(Exists(shared))


def only_shared_outside_the_cert(queryset: Any, principal: Any, action: str) -> Any:
    """Staff of the CERT and auditors see everything; others only what was shared with them."""
    if principal.has_perm("incident.view_internal"):
        return queryset
    return queryset.filter(visibility=Visibility.SHARED)


class Task(TimeStampedModel, RestrictedModel):
    """One piece of work on an incident, with an owner and a due time; often from a playbook."""

    restrict_org_q = staticmethod(visible_through_incident)

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    phase = models.CharField(
        _("phase"), max_length=15, choices=IncidentStatus.choices, default=IncidentStatus.ANALYSIS
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="incident_tasks",
        verbose_name=_("owner"),
    )
    due_at = models.DateTimeField(_("due"), null=True, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=15, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    playbook = models.CharField(_("playbook"), max_length=60, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["incident_id", "position", "pk"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in (TaskStatus.OPEN, TaskStatus.IN_PROGRESS)


class Observable(TimeStampedModel, RestrictedModel):
    """A technical value seen in an incident (IP, domain, URL, hash ...), in canonical form.

    (type, value) is indexed so the same value in other incidents is found at once (correlation).
    """

    restrict_org_q = staticmethod(visible_through_incident)

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="observables")
    type = models.CharField(_("type"), max_length=10, choices=ObservableType.choices)
    value = models.CharField(_("value"), max_length=2048)
    description = models.CharField(_("description"), max_length=500, blank=True)
    is_ioc = models.BooleanField(_("indicator of compromise"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["type", "value"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "type", "value"], name="one_observable_value_per_incident"
            )
        ]
        indexes = [models.Index(fields=["type", "value"], name="observable_type_value")]
        verbose_name = _("observable")
        verbose_name_plural = _("observables")

    def __str__(self) -> str:
        return f"{self.get_type_display()}: {self.value}"


class TimelineEvent(TimeStampedModel, RestrictedModel):
    """Something that happened, at a moment in time (with its zone), told by a source."""

    restrict_org_q = staticmethod(visible_through_incident)
    restrict_extra = staticmethod(only_shared_outside_the_cert)

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    occurred_at = models.DateTimeField(_("occurred"), db_index=True)
    # The zone the source gave the time in (logs in UTC, a hospital in WIB): shown beside it.
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Jakarta")
    source = models.CharField(
        _("source"), max_length=10, choices=TimelineSource.choices, default=TimelineSource.ANALYST
    )
    description = models.TextField(_("description"))
    observables = models.ManyToManyField(
        Observable, blank=True, related_name="timeline_events", verbose_name=_("observables")
    )
    evidence = models.ManyToManyField(
        "evidence.Evidence", blank=True, related_name="timeline_events", verbose_name=_("evidence")
    )
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.INTERNAL
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["occurred_at", "pk"]
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.description[:60]}"


class Comment(TimeStampedModel, RestrictedModel):
    """A note on an incident: internal to the CERT, or shared with the constituent and reporter."""

    restrict_org_q = staticmethod(visible_through_incident)
    restrict_extra = staticmethod(only_shared_outside_the_cert)

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="incident_comments",
        verbose_name=_("author"),
    )
    body = models.TextField(_("comment"))
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.INTERNAL
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return self.body[:60]


class IncidentLink(TimeStampedModel, RestrictedModel):
    """A link from one incident to another, seen from both ends."""

    restrict_org_q = staticmethod(lambda org_ids: visible_through_incident(org_ids, "source"))

    source = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(_("kind"), max_length=15, choices=LinkKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="one_link_per_pair"),
            models.CheckConstraint(condition=~Q(source=models.F("target")), name="no_self_link"),
        ]
        verbose_name = _("incident link")
        verbose_name_plural = _("incident links")

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


class IncidentMerge(models.Model):
    """The record of a duplicate merged into another incident: what it was and what moved."""

    into = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="merges")
    merged_reference = models.CharField(_("merged incident"), max_length=40)
    merged_title = models.CharField(_("title"), max_length=200)
    snapshot = models.JSONField(_("what was merged"), default=dict)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    merged_at = models.DateTimeField(_("merged"))

    class Meta:
        ordering = ["-merged_at"]
        verbose_name = _("merge")
        verbose_name_plural = _("merges")

    def __str__(self) -> str:
        return f"{self.merged_reference} → {self.into_id}"


class LegalClock(TimeStampedModel, RestrictedModel):
    """One legal deadline of an incident (see ``siaga.incidents.legal_clocks``)."""

    restrict_org_q = staticmethod(visible_through_incident)

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="legal_clocks")
    kind = models.CharField(
        _("kind"),
        max_length=15,
        choices=[(kind.value, label) for kind, label in CLOCK_LABELS.items()],
    )
    started_at = models.DateTimeField(_("started"))
    due_at = models.DateTimeField(_("due"), db_index=True)
    warn_at = models.DateTimeField(_("warn at"))
    warned_at = models.DateTimeField(_("warned"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ClockStatus.choices, default=ClockStatus.RUNNING
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_to = models.TextField(_("sent to"), blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["due_at"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "kind"], name="one_clock_of_a_kind")
        ]
        verbose_name = _("legal clock")
        verbose_name_plural = _("legal clocks")

    def __str__(self) -> str:
        return f"{self.incident_id} {self.kind} due {self.due_at:%Y-%m-%d %H:%M}"


class SlaAlert(models.Model):
    """That an SLA warning or breach of one milestone was notified, so it is notified once."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="sla_alerts")
    milestone = models.CharField(_("milestone"), max_length=20)
    state = models.CharField(_("state"), max_length=15)
    notified_at = models.DateTimeField(_("notified"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "milestone", "state"], name="one_alert_per_sla_state"
            )
        ]
        verbose_name = _("SLA alert")
        verbose_name_plural = _("SLA alerts")

    def __str__(self) -> str:
        return f"{self.incident_id} {self.milestone} {self.state}"
