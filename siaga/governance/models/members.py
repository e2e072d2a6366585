"""Who sits in the coordination group, and the terms of reference it works under.

A ``Representative`` is one person an agency (or the CERT) sends: a Siaga user or just a named
person with e-mail and phone. The terms of reference are one ``TermsOfReference`` document with
numbered ``TermsOfReferenceVersion`` rows: a version is drafted, submitted, approved by every
active member agency and the CERT (one ``TermsOfReferenceApproval`` per organization), and then
supersedes the version approved before it. Approved and superseded versions are never edited.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from siaga.core.models import RestrictedModel, TimeStampedModel
from siaga.governance.choices import RepresentativeRole, TermsStatus
from siaga.governance.models.base import ParentPermissionManager, bilingual


class Representative(TimeStampedModel, RestrictedModel):
    """One person an organization sends to the coordination group, in one role, for a period."""

    restrict_org_field = "organization"

    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="representatives",
        verbose_name=_("organization"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="representations",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    role = models.CharField(_("role"), max_length=12, choices=RepresentativeRole.choices)
    active_from = models.DateField(_("active from"), default=date.today)
    active_until = models.DateField(_("active until"), null=True, blank=True)

    class Meta:
        ordering = ["organization__name", "role", "name"]
        verbose_name = _("representative")
        verbose_name_plural = _("representatives")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.user_id and not self.name:
            return str(self.user)
        return self.name

    @property
    def contact_email(self) -> str:
        return self.email or (self.user.email if self.user_id and self.user else "")

    @property
    def contact_phone(self) -> str:
        return self.phone or (self.user.phone if self.user_id and self.user else "")

    def is_active_on(self, day: date) -> bool:
        return self.active_from <= day and (self.active_until is None or day <= self.active_until)


class TermsOfReference(TimeStampedModel, RestrictedModel):
    """The coordination group's terms of reference: a document with numbered versions."""

    title_id = bilingual(_("title"), "id", short=True)
    title_en = bilingual(_("title"), "en", short=True)

    class Meta:
        verbose_name = _("terms of reference")
        verbose_name_plural = _("terms of reference")

    def __str__(self) -> str:
        return self.title_en or self.title_id


class TermsOfReferenceVersion(TimeStampedModel, models.Model):
    """One version of the terms of reference; read and written under ``termsofreference.*``."""

    permission_model = "termsofreference"

    document = models.ForeignKey(
        TermsOfReference, on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=12, choices=TermsStatus.choices, default=TermsStatus.DRAFT
    )
    effective_date = models.DateField(_("effective date"), null=True, blank=True)
    body_id = bilingual(_("text"), "id")
    body_en = bilingual(_("text"), "en")
    change_summary_id = bilingual(_("summary of changes"), "id")
    change_summary_en = bilingual(_("summary of changes"), "en")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    superseded_at = models.DateTimeField(_("superseded"), null=True, blank=True)

    objects: ClassVar[ParentPermissionManager] = ParentPermissionManager()

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="tor_version_number")
        ]
        verbose_name = _("terms-of-reference version")
        verbose_name_plural = _("terms-of-reference versions")

    def __str__(self) -> str:
        return f"v{self.number}"

    @property
    def is_editable(self) -> bool:
        return self.status == TermsStatus.DRAFT

    def mark_approved(self) -> None:
        self.status = TermsStatus.APPROVED
        self.approved_at = timezone.now()


class TermsOfReferenceApproval(models.Model):
    """One organization's approval of one version: who approved it, on whose behalf, and when."""

    permission_model = "termsofreference"

    version = models.ForeignKey(
        TermsOfReferenceVersion, on_delete=models.PROTECT, related_name="approvals"
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organization"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved"), default=timezone.now)

    objects: ClassVar[ParentPermissionManager] = ParentPermissionManager()

    class Meta:
        ordering = ["approved_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "organization"], name="tor_approval_once_per_org"
            )
        ]
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")

    def __str__(self) -> str:
        return f"{self.version} / {self.organization}"
