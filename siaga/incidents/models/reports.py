"""Incident reports as they arrive, before and after triage."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from siaga.core.models import RestrictedModel, TimeStampedModel
from siaga.incidents.choices import (
    Channel,
    PersonalDataInvolved,
    RejectionReason,
    ReportLanguage,
    ReportStatus,
)
from siaga.incidents.taxonomy import RsitClass, RsitType


class Report(TimeStampedModel, RestrictedModel):
    """One incident report from a constituent, the public, the API or e-mail.

    ``raw`` keeps the submission exactly as received, whatever later steps make of it. Triage turns
    a new report into an incident, attaches it to one, or rejects it; many reports may feed one
    incident. Reports hold the reporter's contact details: every view of one is audited.
    """

    restrict_org_field = "organization"
    restrict_owner_field = "reporter"
    holds_personal_data = True  # reporter name, e-mail and phone

    tracking_id = models.CharField(_("tracking id"), max_length=40, unique=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="incident_reports",
        verbose_name=_("reporter"),
    )
    reporter_name = models.CharField(_("reporter's name"), max_length=200, blank=True)
    reporter_email = models.EmailField(_("reporter's e-mail"), blank=True)
    reporter_phone = models.CharField(_("reporter's phone"), max_length=40, blank=True)
    reporter_organization_name = models.CharField(
        _("reporter's organization"), max_length=200, blank=True
    )
    language = models.CharField(
        _("language"),
        max_length=5,
        choices=ReportLanguage.choices,
        default=ReportLanguage.INDONESIAN,
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incident_reports",
        verbose_name=_("organization"),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    discovered_at = models.DateTimeField(_("discovered"), null=True, blank=True)
    personal_data_involved = models.CharField(
        _("personal data involved"),
        max_length=10,
        choices=PersonalDataInvolved.choices,
        default=PersonalDataInvolved.UNKNOWN,
    )
    suspected_class = models.CharField(
        _("suspected class"), max_length=40, choices=RsitClass.choices, blank=True
    )
    suspected_type = models.CharField(
        _("suspected type"), max_length=40, choices=RsitType.choices, blank=True
    )
    affected_systems = models.TextField(_("affected systems"), blank=True)
    raw = models.JSONField(_("submission as received"), default=dict)
    client_address = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.NEW
    )
    rejection_reason = models.CharField(
        _("rejection reason"), max_length=20, choices=RejectionReason.choices, blank=True
    )
    triage_note = models.TextField(_("triage note"), blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
    )
    incident = models.ForeignKey(
        "incidents.Incident",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("incident"),
    )
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("triaged by"),
    )
    triaged_at = models.DateTimeField(_("triaged"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "-created_at"], name="report_queue")]
        verbose_name = _("report")
        verbose_name_plural = _("reports")

    def __str__(self) -> str:
        return f"{self.tracking_id} {self.title}"

    @property
    def acknowledgement_address(self) -> str:
        """Where the acknowledgement goes: the signed-in reporter's address, else the one given."""
        if self.reporter is not None and self.reporter.email:
            return self.reporter.email
        return self.reporter_email
