"""Security assessments: frameworks (versioned question sets), campaigns and answers.

A ``Framework`` row is one version of a framework file (``frameworks/*.yaml``), kept whole as parsed
JSON (``definition``) so that a campaign keeps the exact questions it was sent with even after a
newer version is loaded. A ``Campaign`` sends one framework version to chosen constituents; each
constituent gets an ``Assessment``, answered question by question (``Answer``) by its administrator
and reviewed by the CERT (``ReviewComment``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from siaga.assessments.choices import EDITABLE, AssessmentStatus, CampaignStatus
from siaga.core.models import RestrictedModel, TimeStampedModel


class Framework(TimeStampedModel, RestrictedModel):
    """One version of an assessment framework, as loaded from its YAML file."""

    slug = models.SlugField(_("slug"), max_length=60)
    version = models.CharField(_("version"), max_length=30)
    name_en = models.CharField(_("name (en)"), max_length=200)
    name_id = models.CharField(_("name (id)"), max_length=200)
    # The validated, parsed file (see ``frameworks.parse_framework``); ``source`` the file's text.
    definition = models.JSONField(_("definition"))
    source = models.TextField(_("source file"), blank=True)
    question_count = models.PositiveIntegerField(_("questions"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["slug", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["slug", "version"], name="framework_slug_version")
        ]

    def __str__(self) -> str:
        return f"{self.name_en} ({self.version})"

    def name(self, language: str) -> str:
        return self.name_id if language == "id" and self.name_id else self.name_en


class Campaign(TimeStampedModel, RestrictedModel):
    """One framework version sent by the CERT to chosen constituents, with a deadline."""

    name = models.CharField(_("name"), max_length=200)
    framework = models.ForeignKey(
        Framework, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("framework")
    )
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    organizations = models.ManyToManyField(
        "organizations.Organization",
        related_name="+",
        blank=True,
        verbose_name=_("constituents"),
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name


class Assessment(TimeStampedModel, RestrictedModel):
    """One constituent's answers to one campaign, and where the review stands."""

    restrict_org_field = "organization"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="assessments")
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="assessments"
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AssessmentStatus.choices,
        default=AssessmentStatus.OPEN,
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True, db_index=True)
    # The score when accepted (percent), so lists and summaries need not recompute every answer.
    score_percent = models.FloatField(_("score"), null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organization__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "organization"], name="assessment_campaign_organization"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign} — {self.organization}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE

    @classmethod
    def restrict_extra(cls, queryset: Any, principal: Any, action: str) -> Any:
        # A constituent never sees a campaign's assessment before it is sent.
        if action == "review" or principal.scopes("campaign.view").all:
            return queryset
        return queryset.filter(~Q(campaign__status=CampaignStatus.DRAFT))


class Answer(TimeStampedModel):
    """The constituent's answer to one question, with its comment and optional evidence file.

    Read and written only through its assessment (``Assessment.objects.restrict``)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    question_id = models.CharField(_("question"), max_length=40)
    value = models.CharField(_("answer"), max_length=40, blank=True)
    comment = models.TextField(_("comment"), blank=True, max_length=5000)
    evidence = models.FileField(_("evidence"), upload_to="assessments/evidence/%Y/", blank=True)
    evidence_name = models.CharField(_("evidence file name"), max_length=255, blank=True)
    evidence_type = models.CharField(max_length=100, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "question_id"], name="answer_assessment_question"
            )
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.value}"


class ReviewComment(TimeStampedModel):
    """The CERT's remark on one question (``question_id``) or on the whole assessment (blank).

    Read only through its assessment (``Assessment.objects.restrict``)."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="review_comments"
    )
    question_id = models.CharField(_("question"), max_length=40, blank=True)
    text = models.TextField(_("comment"), max_length=5000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:60]
