"""The risk register of health data and systems.

A ``Risk`` belongs to a constituent (its own register, kept by its administrator and the CERT) or to
no organization: a sector-level risk of the coordination group's register, seen by the CERT, the
group's members and auditors, and changed by the CERT's staff (``restrict_org_q``). Each risk is
rated twice on the scale of ``siaga.risks.scale`` — inherent (before treatment) and residual
(after) — and every change of a rating is kept as a ``RiskRating`` row; each review is a
``RiskReview`` that moves the next review date on by the risk's cycle.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from siaga.core.models import RestrictedModel, TimeStampedModel
from siaga.risks.choices import (
    ACTIVE_STATUSES,
    RiskCategory,
    RiskRatingKind,
    RiskStatus,
    RiskTreatment,
)
from siaga.risks.scale import MAX_STEPS, Level, get_scale

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MAX_REVIEW_CYCLE_DAYS = 730
DEFAULT_REVIEW_CYCLE_DAYS = 90


def level_or_none(score: int) -> Level | None:
    """The score's level, or None for a score beyond a scale that was made smaller since."""
    try:
        return get_scale().level_for_score(score)
    except ValueError:
        return None


def _rating_field(label: StrOrPromise) -> models.PositiveSmallIntegerField:
    # The scale's bounds are checked by the actions (the scale is a setting); this is the ceiling.
    return models.PositiveSmallIntegerField(
        label, validators=[MinValueValidator(1), MaxValueValidator(MAX_STEPS)]
    )


class Risk(TimeStampedModel, RestrictedModel):
    """A risk to health data or systems: what may happen, to what, how bad, and what is done."""

    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("constituent"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="risks",
        help_text=_("Empty for a sector-level risk of the coordination group's register."),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=10000)
    asset = models.CharField(_("asset or system"), max_length=300, blank=True)
    inventory_item = models.ForeignKey(
        "constituents.InventoryItem",
        verbose_name=_("inventory item"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="risks",
    )
    category = models.CharField(_("category"), max_length=40, choices=RiskCategory.choices)
    threat = models.TextField(_("threat"), blank=True, max_length=5000)
    vulnerability = models.TextField(_("vulnerability"), blank=True, max_length=5000)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_risks",
    )
    inherent_likelihood = _rating_field(_("inherent likelihood"))
    inherent_impact = _rating_field(_("inherent impact"))
    inherent_score = models.PositiveSmallIntegerField(_("inherent score"), db_index=True)
    residual_likelihood = _rating_field(_("residual likelihood"))
    residual_impact = _rating_field(_("residual impact"))
    residual_score = models.PositiveSmallIntegerField(_("residual score"), db_index=True)
    treatment = models.CharField(
        _("treatment"), max_length=10, choices=RiskTreatment.choices, default=RiskTreatment.MITIGATE
    )
    treatment_plan = models.TextField(_("treatment plan"), blank=True, max_length=10000)
    due_date = models.DateField(_("treatment due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=RiskStatus.choices, default=RiskStatus.OPEN
    )
    review_cycle_days = models.PositiveSmallIntegerField(
        _("review cycle (days)"),
        default=DEFAULT_REVIEW_CYCLE_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_REVIEW_CYCLE_DAYS)],
    )
    next_review_date = models.DateField(_("next review"), null=True, blank=True)
    last_reviewed_at = models.DateTimeField(_("last reviewed"), null=True, blank=True)
    # The review date the owner was last reminded of: one reminder per due date.
    review_reminded_for = models.DateField(_("reminded for review of"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    incidents = models.ManyToManyField(
        "incidents.Incident", verbose_name=_("incidents"), blank=True, related_name="risks"
    )
    findings = models.ManyToManyField(
        "exposures.Finding", verbose_name=_("exposure findings"), blank=True, related_name="risks"
    )
    # The assessment whose results showed the risk (a constituent's own, for its risks).
    assessment = models.ForeignKey(
        "assessments.Assessment",
        verbose_name=_("assessment"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="risks",
    )

    class Meta:
        verbose_name = _("risk")
        verbose_name_plural = _("risks")
        ordering = ["-residual_score", "title", "pk"]
        indexes = [
            models.Index(fields=["organization", "status"], name="risk_org_status_idx"),
            models.Index(fields=["status", "next_review_date"], name="risk_status_review_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(inherent_score__gte=1) & Q(residual_score__gte=1),
                name="risk_scores_positive",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def restrict_org_q(cls, org_ids: frozenset[int]) -> Q:
        """A constituent's members see (and its administrator changes) its own risks only.

        Sector-level risks have no organization, so only grants over every row (the CERT's
        staff; the coordination group's members and auditors for reading) reach them."""
        return Q(organization_id__in=sorted(org_ids))

    @property
    def is_sector(self) -> bool:
        return self.organization_id is None

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def review_overdue(self) -> bool:
        return (
            self.is_active
            and self.next_review_date is not None
            and self.next_review_date < timezone.localdate()
        )

    @property
    def inherent_level(self) -> Level | None:
        return level_or_none(self.inherent_score)

    @property
    def residual_level(self) -> Level | None:
        return level_or_none(self.residual_score)

    def next_review_after(self, day: date) -> date:
        return day + timedelta(days=self.review_cycle_days)


class RiskRating(models.Model):
    """One rating given to a risk (inherent or residual): who, when, the values, and why."""

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="ratings")
    kind = models.CharField(_("rating"), max_length=10, choices=RiskRatingKind.choices)
    likelihood = models.PositiveSmallIntegerField(_("likelihood"))
    impact = models.PositiveSmallIntegerField(_("impact"))
    score = models.PositiveSmallIntegerField(_("score"))
    reason = models.TextField(_("reason"), blank=True, max_length=2000)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("risk rating")
        verbose_name_plural = _("risk ratings")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.risk_id} {self.kind}: {self.likelihood}x{self.impact}"

    @property
    def level(self) -> Level | None:
        return level_or_none(self.score)


class RiskReview(models.Model):
    """A review of a risk by a person: when, what they concluded, and the next review date."""

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed"), default=timezone.now)
    notes = models.TextField(_("notes"), blank=True, max_length=5000)
    next_review_date = models.DateField(_("next review"))

    class Meta:
        verbose_name = _("risk review")
        verbose_name_plural = _("risk reviews")
        ordering = ["-reviewed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.risk_id} {self.reviewed_at:%Y-%m-%d}"
