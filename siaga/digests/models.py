"""Feed digests: what each constituent asked to receive, and every digest sent to it.

A ``DigestSubscription`` says who receives the organization's feed events (a contact by e-mail, or
the organization's webhooks), how often and which ones. Each run that finds something new writes a
``Digest`` with a ticket number (SIAGA-FD-2026-000042) and one ``DigestItem`` per event it carried.
The items are also the suppression memory: an event whose ``dedupe_key`` went to the same
organization within ``SIAGA_DIGEST_SUPPRESS_DAYS`` is not sent again.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from siaga.core.models import RestrictedModel, TimeStampedModel
from siaga.digests.choices import DigestFormat, DigestStatus, Frequency
from siaga.events.choices import Severity
from siaga.incidents.taxonomy import RsitType


def clean_classification_types(value: Any) -> list[str]:
    """A list of RSIT types without repeats, in the taxonomy's order (empty means all)."""
    if not isinstance(value, list) or not all(isinstance(kind, str) for kind in value):
        raise ValidationError(_("Send a list of classification types."), code="invalid")
    unknown = sorted(set(value) - set(RsitType.values))
    if unknown:
        raise ValidationError(
            _("Unknown classification types: %(types)s.") % {"types": ", ".join(unknown)},
            code="unknown",
        )
    return [kind for kind in RsitType.values if kind in value]


class DigestSubscription(TimeStampedModel, RestrictedModel):
    """Who receives an organization's feed events, how often, which ones and in what form."""

    restrict_org_field = "organization"

    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("constituent"),
        on_delete=models.CASCADE,
        related_name="digest_subscriptions",
    )
    # Empty for a webhook-only subscription: the organization's webhooks receive it.
    contact = models.ForeignKey(
        "constituents.Contact",
        verbose_name=_("contact"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="digest_subscriptions",
    )
    frequency = models.CharField(
        _("frequency"), max_length=10, choices=Frequency.choices, default=Frequency.DAILY
    )
    classification_types = models.JSONField(_("classification types"), default=list, blank=True)
    min_severity = models.PositiveSmallIntegerField(
        _("least severity"), choices=Severity.choices, default=Severity.LOW
    )
    format = models.CharField(
        _("format"), max_length=20, choices=DigestFormat.choices, default=DigestFormat.EMAIL_CSV
    )
    is_active = models.BooleanField(_("active"), default=True)
    # The end of the period of the last digest sent; the next one starts there.
    last_sent_at = models.DateTimeField(_("last sent"), null=True, blank=True)
    # When the last run looked (whether or not it found anything): decides when the next is due.
    last_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)

    class Meta:
        ordering = ["organization__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["contact"], name="one_digest_subscription_per_contact")
        ]
        verbose_name = _("digest subscription")
        verbose_name_plural = _("digest subscriptions")

    def __str__(self) -> str:
        return f"{self.organization} — {self.get_frequency_display()} ({self.get_format_display()})"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        try:
            self.classification_types = clean_classification_types(self.classification_types)
        except ValidationError as exc:
            errors["classification_types"] = exc.messages
        if self.contact is not None and self.contact.organization_id != self.organization_id:
            errors["contact"] = _("Choose a contact of this organization.")
        if self.format == DigestFormat.EMAIL_CSV:
            if self.contact is None:
                errors["contact"] = _("An e-mail digest needs a contact.")
            elif not self.contact.email:
                errors["contact"] = _("This contact has no e-mail address.")
        if errors:
            raise ValidationError(errors)


class Digest(RestrictedModel):
    """One digest sent (or to be sent) to an organization: its ticket, period and what it held.

    ``summary`` keeps the counts per classification as they were when the digest was built, so
    the page and the API show what was sent without counting the events again.
    """

    restrict_org_field = "organization"

    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("constituent"),
        on_delete=models.CASCADE,
        related_name="digests",
    )
    subscription = models.ForeignKey(
        DigestSubscription,
        verbose_name=_("subscription"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="digests",
    )
    ticket = models.CharField(_("ticket"), max_length=40, unique=True)
    period_start = models.DateTimeField(_("period start"))
    period_end = models.DateTimeField(_("period end"))
    event_count = models.PositiveIntegerField(_("events"), default=0)
    # [{"taxonomy", "type", "identifier", "events", "seen", "severity"}], largest first.
    summary = models.JSONField(_("summary"), default=list, blank=True)
    delivery_ids = models.JSONField(_("deliveries"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=DigestStatus.choices, default=DigestStatus.BUILT
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-period_end", "-pk"]
        indexes = [
            models.Index(fields=["organization", "period_end"], name="digest_org_period"),
        ]
        verbose_name = _("digest")
        verbose_name_plural = _("digests")

    def __str__(self) -> str:
        return self.ticket


class DigestItem(models.Model):
    """One event a digest carried; with its ``dedupe_key``, the memory of what was already said.

    ``event`` has no database constraint: retention deletes old events on its own schedule, and
    the item (and with it the suppression memory) outlives them; read ``event_id`` as a plain id.
    """

    audit_enabled = False  # written by the thousand with their digest, which is the record

    digest = models.ForeignKey(Digest, on_delete=models.CASCADE, related_name="items")
    event = models.ForeignKey(
        "events.Event",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    dedupe_key = models.BigIntegerField(_("deduplication key"))

    class Meta:
        ordering = ["digest", "pk"]
        indexes = [models.Index(fields=["dedupe_key", "digest"], name="digestitem_dedupe")]
        verbose_name = _("digest item")
        verbose_name_plural = _("digest items")

    def __str__(self) -> str:
        return f"{self.digest_id}: event {self.event_id}"
