"""Incidents: the CERT's case records, their classification, impact, labels and lifecycle."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from siaga.attack.validation import check_technique_ids
from siaga.core.models import RestrictedModel, TimeStampedModel
from siaga.incidents.choices import (
    PAP,
    TLP,
    ClosureReason,
    Impact,
    IncidentStatus,
    Priority,
)
from siaga.incidents.priority import derive_priority
from siaga.incidents.taxonomy import (
    HealthTag,
    RsitClass,
    RsitType,
    validate_classification,
    validate_health_tags,
)


class Incident(TimeStampedModel, RestrictedModel):
    """One security incident the CERT handles, fed by one or more reports.

    Visible to CERT staff and auditors (ALL scope) and, outside the CERT, only to the organizations
    it affects or was explicitly shared with (``restrict_org_q``) — which is also what TLP:RED
    requires: named recipients only.
    """

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    rsit_class = models.CharField(
        _("RSIT class"), max_length=40, choices=RsitClass.choices, blank=True
    )
    rsit_type = models.CharField(
        _("RSIT type"), max_length=40, choices=RsitType.choices, blank=True
    )
    health_tags = models.JSONField(_("health-sector tags"), default=list, blank=True)
    patient_safety = models.PositiveSmallIntegerField(
        _("patient safety impact"), choices=Impact.choices, default=Impact.NONE
    )
    service_disruption = models.PositiveSmallIntegerField(
        _("service disruption impact"), choices=Impact.choices, default=Impact.NONE
    )
    records_affected = models.PositiveSmallIntegerField(
        _("records affected impact"), choices=Impact.choices, default=Impact.NONE
    )
    spread = models.PositiveSmallIntegerField(
        _("spread impact"), choices=Impact.choices, default=Impact.NONE
    )
    # Derived from the impact matrix on every save (siaga.incidents.priority); stored to filter.
    priority = models.CharField(
        _("priority"), max_length=2, choices=Priority.choices, default=Priority.P4, db_index=True
    )
    tlp = models.CharField(_("TLP"), max_length=15, choices=TLP.choices, default=TLP.AMBER)
    pap = models.CharField(_("PAP"), max_length=10, choices=PAP.choices, default=PAP.AMBER)
    status = models.CharField(
        _("status"),
        max_length=15,
        choices=IncidentStatus.choices,
        default=IncidentStatus.NEW,
        db_index=True,
    )
    closure_reason = models.CharField(
        _("closure reason"), max_length=20, choices=ClosureReason.choices, blank=True
    )
    lessons_learned = models.TextField(_("lessons learned"), blank=True)
    affected_constituents = models.ManyToManyField(
        "organizations.Organization",
        blank=True,
        related_name="affected_by_incidents",
        verbose_name=_("affected constituents"),
    )
    shared_with = models.ManyToManyField(
        "organizations.Organization",
        blank=True,
        related_name="incidents_shared_with",
        verbose_name=_("shared with"),
    )
    affected_systems = models.ManyToManyField(
        "constituents.InventoryItem",
        blank=True,
        related_name="incidents",
        verbose_name=_("affected systems"),
        help_text=_("Systems and devices of the affected constituents' inventories."),
    )
    # MITRE ATT&CK technique ids (T1566.001), checked against the loaded techniques.
    attack_techniques = models.JSONField(
        _("ATT&CK techniques"), default=list, blank=True, validators=[check_technique_ids]
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_incidents",
        verbose_name=_("assignee"),
    )
    personal_data_involved = models.BooleanField(_("personal data involved"), default=False)
    # The contents the personal-data breach notice must carry (UU 27/2022 Art. 46).
    personal_data_description = models.TextField(
        _("personal data exposed"),
        blank=True,
        help_text=_("Which personal data were exposed, and of roughly how many people."),
    )
    handling_actions = models.TextField(
        _("handling and recovery efforts"),
        blank=True,
        help_text=_("What was done to stop the incident and recover; quoted in legal notices."),
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_duplicates",
        verbose_name=_("merged into"),
    )
    # For MTTA/MTTR: when it happened, was reported, acknowledged, triaged, contained, resolved.
    detected_at = models.DateTimeField(_("detected"), null=True, blank=True)
    reported_at = models.DateTimeField(_("reported"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    triaged_at = models.DateTimeField(_("triaged"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    contained_at = models.DateTimeField(_("contained"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @classmethod
    def restrict_org_q(cls, org_ids: frozenset[int]) -> Q:
        """Incidents that affect one of the organizations or were shared with one of them.

        ``Exists`` subqueries rather than joins, so an incident naming two of them is one row.
        """
        ids = sorted(org_ids)
        affected = cls.affected_constituents.through.objects.filter(
            incident_id=OuterRef("pk"), organization_id__in=ids
        )
        shared = cls.shared_with.through.objects.filter(
            incident_id=OuterRef("pk"), organization_id__in=ids
        )
        return Q(Exists(affected)) | Q(Exists(shared))

    def clean(self) -> None:
        validate_classification(self.rsit_class, self.rsit_type)
        self.health_tags = validate_health_tags(self.health_tags)
        if self.status == IncidentStatus.CLOSED and not self.closure_reason:
            raise ValidationError({"closure_reason": _("Closing needs a closure reason.")})

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.priority = self.derived_priority()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and set(update_fields) & set(IMPACT_FIELDS):
            kwargs["update_fields"] = {*update_fields, "priority"}
        super().save(*args, **kwargs)

    def derived_priority(self) -> str:
        return derive_priority(
            self.patient_safety, self.service_disruption, self.records_affected, self.spread
        )

    def health_tag_labels(self) -> list[str]:
        return [str(HealthTag(tag).label) for tag in self.health_tags if tag in HealthTag.values]

    @property
    def is_open(self) -> bool:
        return self.status != IncidentStatus.CLOSED


IMPACT_FIELDS = ("patient_safety", "service_disruption", "records_affected", "spread")


class IncidentStatusChange(models.Model):
    """One step of an incident's lifecycle: from which status to which, by whom, when and why.

    Written by every transition (and once when the incident is opened, from ""); the timeline
    reads these rows.
    """

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(
        _("from"), max_length=15, choices=IncidentStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=15, choices=IncidentStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed"), db_index=True)
    note = models.TextField(_("note"), blank=True)
    closure_reason = models.CharField(
        _("closure reason"), max_length=20, choices=ClosureReason.choices, blank=True
    )

    class Meta:
        ordering = ["changed_at", "pk"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.from_status or '—'} → {self.to_status}"
