"""Notification preferences, webhooks and the log of every notification sent (deliveries)."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from siaga.core.models import RestrictedModel, TimeStampedModel
from siaga.notifications import signing
from siaga.notifications.choices import DeliveryChannel, DeliveryStatus
from siaga.notifications.events import get_event


class NotificationPreference(TimeStampedModel, RestrictedModel):
    """Whether one user gets e-mail for one kind of event; no row means the kind's default."""

    restrict_owner_field = "user"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    event_kind = models.CharField(_("event"), max_length=60)
    email_enabled = models.BooleanField(_("e-mail"), default=True)

    class Meta:
        ordering = ["user", "event_kind"]
        constraints = [
            models.UniqueConstraint(fields=["user", "event_kind"], name="one_preference_per_kind")
        ]
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"{self.user} — {self.event_kind}: {'on' if self.email_enabled else 'off'}"


def validate_webhook_url(url: str) -> None:
    """An https:// address without credentials; plain http only to the hosts settings allow.

    SSRF: an https:// webhook may point at a private address (10.x, 192.168.x, ...) on purpose:
    hospitals run their receivers (SIEM, ticketing) on internal networks. Only an organization's
    administrators can create webhooks, the response body is never stored or shown (only the
    status code), and no redirect is followed, so a webhook cannot be used to read internal
    services; what remains (blind POSTs) is limited by the deployment's egress firewall, which
    THREAT_MODEL.md asks operators to set up.
    """
    message = _("Enter a full https:// address.")
    try:
        URLValidator(schemes=["http", "https"])(url)
        parts = urlsplit(url)
        parts.port  # noqa: B018  # raises ValueError for a port out of range
    except (ValidationError, ValueError) as exc:
        raise ValidationError(message, code="invalid") from exc
    if parts.username is not None or parts.password is not None:
        raise ValidationError(
            _("Put no user name or password in the address; receivers check the signature."),
            code="credentials",
        )
    hostname = (parts.hostname or "").lower()
    if parts.scheme.lower() == "http" and hostname not in settings.SIAGA_WEBHOOK_HTTP_HOSTS:
        raise ValidationError(_("Webhooks must use https://."), code="insecure")


def validate_event_kinds(kinds: Any) -> None:
    if not isinstance(kinds, list) or not kinds:
        raise ValidationError(_("Choose at least one event."), code="required")
    unknown = [kind for kind in kinds if not isinstance(kind, str) or get_event(kind) is None]
    if unknown:
        raise ValidationError(
            _("Unknown events: %(kinds)s") % {"kinds": ", ".join(map(str, unknown))},
            code="unknown",
        )
    if len(set(kinds)) != len(kinds):
        raise ValidationError(_("Each event may be listed once."), code="duplicate")


class Webhook(TimeStampedModel, RestrictedModel):
    """An address of an organization that receives signed JSON POSTs for the events it chose.

    ``secret`` holds the signing secret encrypted (see ``siaga.notifications.signing``); it is
    never written to the audit trail.
    """

    restrict_org_field = "organization"
    audit_exclude_fields = ("secret",)

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="webhooks"
    )
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("address (URL)"), max_length=500, validators=[validate_webhook_url])
    secret = models.TextField(editable=False)
    event_kinds = models.JSONField(_("events"), default=list, validators=[validate_event_kinds])
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["organization__name", "name"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return self.name

    def set_secret(self, plain: str) -> None:
        self.secret = signing.seal(plain)

    @property
    def plain_secret(self) -> str:
        return signing.unseal(self.secret)


class Delivery(RestrictedModel):
    """One notification to one recipient (an e-mail or a webhook POST) and how sending it went.

    What was rendered is stored (subject and body, or the JSON payload), so the log shows what
    was sent. Workers claim a delivery with a conditional UPDATE (``claim_delivery``), so a
    delivery is never sent twice even when two workers race. Not written to the audit trail: it is
    itself a log, updated on every attempt.
    """

    restrict_org_field = "organization"
    audit_enabled = False
    holds_personal_data = True  # e-mail addresses and message bodies: every detail view is audited

    uuid = models.UUIDField(_("delivery id"), default=uuid.uuid4, unique=True, editable=False)
    channel = models.CharField(_("channel"), max_length=10, choices=DeliveryChannel.choices)
    event_kind = models.CharField(_("event"), max_length=60, db_index=True)
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    address = models.CharField(_("address"), max_length=500)
    webhook = models.ForeignKey(
        Webhook, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    language = models.CharField(_("language"), max_length=5, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("body"), blank=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.event_kind} → {self.address}"

    @property
    def is_finished(self) -> bool:
        return self.status in (DeliveryStatus.SENT, DeliveryStatus.GAVE_UP)
