"""Notifying people and systems, and managing preferences and webhooks.

``do_notify`` and ``do_notify_webhooks`` are what other apps call: they render and store one
``Delivery`` per recipient in the caller's transaction and, once it commits, hand them to workers.
``send_delivery`` claims one delivery with a conditional UPDATE (as ``siaga.jobs`` claims jobs),
sends it and records the outcome; a failed attempt is retried with exponential back-off.

``check_*`` validates a user's request (permission, then input) and changes state; ``access_*``
fetches one object the user may see (404 otherwise).
"""

from __future__ import annotations

import json
import logging
import random
import zoneinfo
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from siaga.accounts.models import User
from siaga.accounts.roles import principal_for
from siaga.audit.actions import do_record_event
from siaga.audit.choices import AuditAction
from siaga.notifications import signing, transport
from siaga.notifications.choices import DeliveryChannel, DeliveryStatus
from siaga.notifications.events import PING, EventKind, all_events, get_event
from siaga.notifications.models import Delivery, NotificationPreference, Webhook
from siaga.organizations.choices import OrganizationKind
from siaga.organizations.models import Organization

logger = logging.getLogger("siaga.notifications")

WEBHOOK_FIELDS = ("name", "url", "event_kinds", "is_active")
MAX_BACKOFF = timedelta(hours=6)
MAX_JITTER_SECONDS = 60.0
# A delivery in "sending" for longer than this belongs to a worker that died: it is sent again.
# Longer than any send can take (webhook timeout, SMTP timeout of 30 s) with a wide margin.
SENDING_TIMEOUT = timedelta(minutes=5)
SUBJECT_MAX = 300


# --- Preferences ---------------------------------------------------------------------------------


def email_preferences(user: Any) -> list[tuple[EventKind, bool]]:
    """Every event kind with whether this user gets e-mail for it (their choice or the default)."""
    chosen = dict(
        NotificationPreference.objects.restrict(user, "view")
        .filter(user_id=user.pk)
        .values_list("event_kind", "email_enabled")
    )
    return [
        (event, chosen.get(event.kind, event.default_on))
        for event in all_events()
        if event.user_preference
    ]


def check_update_preferences(user: Any, choices: dict[str, bool]) -> list[tuple[EventKind, bool]]:
    """Store the user's e-mail choice for each kind given; kinds not given keep their setting."""
    if not principal_for(user).has_perm("notificationpreference.change"):
        raise PermissionDenied(_("You may not change notification preferences."))
    unknown = sorted(kind for kind in choices if get_event(kind) is None)
    if unknown:
        raise ValidationError({kind: _("Unknown event.") for kind in unknown})
    with transaction.atomic():
        for kind, enabled in choices.items():
            NotificationPreference.objects.update_or_create(
                user_id=user.pk, event_kind=kind, defaults={"email_enabled": bool(enabled)}
            )
    return email_preferences(user)


def _users_who_declined(users: list[Any], kind: str, default_on: bool) -> set[int]:
    chosen = dict(
        NotificationPreference.objects.filter(
            user_id__in=[user.pk for user in users], event_kind=kind
        ).values_list("user_id", "email_enabled")
    )
    return {user.pk for user in users if not chosen.get(user.pk, default_on)}


# --- Rendering -----------------------------------------------------------------------------------


def _language_of(recipient: Any) -> str:
    language = getattr(recipient, "language", "") or settings.LANGUAGE_CODE
    known = {code for code, _name in settings.LANGUAGES}
    return language if language in known else settings.LANGUAGE_CODE


def _time_zone_of(recipient: Any) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(getattr(recipient, "time_zone", "") or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def render_email(event: EventKind, recipient: Any, context: dict[str, Any]) -> tuple[str, str]:
    """Subject and body in the recipient's language, with times in the recipient's zone."""
    full_context = {**context, "recipient": recipient, "site_url": settings.SITE_URL}
    with translation.override(_language_of(recipient)), timezone.override(_time_zone_of(recipient)):
        subject = render_to_string(event.subject_template, full_context)
        body = render_to_string(event.body_template, full_context)
    # A subject is one line: a newline in it would let text into the mail headers.
    return " ".join(subject.split())[:SUBJECT_MAX], body


# --- Notifying -----------------------------------------------------------------------------------


def _event_or_error(kind: str) -> EventKind:
    event = get_event(kind)
    if event is None:
        raise ValueError(f"unknown notification event: {kind!r}")
    return event


def _unique_recipients(recipients: Iterable[Any]) -> list[Any]:
    """Those with an address, each address once; disabled accounts get nothing."""
    seen: set[str] = set()
    unique = []
    for recipient in recipients:
        address = (getattr(recipient, "email", "") or "").strip()
        if not address or address.lower() in seen:
            continue
        if isinstance(recipient, User) and not recipient.is_active:
            continue
        seen.add(address.lower())
        unique.append(recipient)
    return unique


def do_notify(
    kind: str,
    *,
    recipients: Iterable[Any],
    context: dict[str, Any],
    object_type: str = "",
    object_id: str = "",
    organization: Organization | None = None,
) -> list[Delivery]:
    """E-mail each recipient (a User, or anything with ``email`` and ``language``) about an event.

    Users who turned the kind off are skipped. The deliveries are written in the caller's
    transaction and sent by workers once it commits: a rolled-back change notifies no one.
    """
    event = _event_or_error(kind)
    unique = _unique_recipients(recipients)
    users = [recipient for recipient in unique if isinstance(recipient, User)]
    declined = _users_who_declined(users, kind, event.default_on) if users else set()
    now = timezone.now()
    deliveries = []
    for recipient in unique:
        if isinstance(recipient, User) and recipient.pk in declined:
            continue
        subject, body = render_email(event, recipient, context)
        deliveries.append(
            Delivery(
                channel=DeliveryChannel.EMAIL,
                event_kind=kind,
                organization=organization,
                recipient=recipient if isinstance(recipient, User) else None,
                address=recipient.email.strip(),
                language=_language_of(recipient),
                subject=subject,
                body=body,
                object_type=object_type,
                object_id=str(object_id),
                next_attempt_at=now,
            )
        )
    return _store_and_dispatch(deliveries)


def _jsonable(payload: dict[str, Any]) -> dict[str, Any]:
    # Dates, UUIDs and decimals become strings now, so the stored payload is what is sent.
    return json.loads(json.dumps(payload, cls=DjangoJSONEncoder))


def _subscribed_webhooks(kind: str, organizations: list[Organization]) -> list[Webhook]:
    """The organizations' active webhooks for this kind, and the CERT's (which see every event)."""
    scope = Q(organization__kind=OrganizationKind.CERT)
    if organizations:
        scope |= Q(organization__in=[organization.pk for organization in organizations])
    webhooks = Webhook.objects.filter(scope, is_active=True).order_by("pk")
    # Filtered here rather than with a JSON lookup, which SQLite and PostgreSQL spell differently.
    return [webhook for webhook in webhooks if kind in webhook.event_kinds]


def do_notify_webhooks(
    kind: str,
    organization: Organization | Iterable[Organization] | None,
    payload: dict[str, Any],
    object_type: str = "",
    object_id: str = "",
) -> list[Delivery]:
    """POST the event to every webhook subscribed to it, once the caller's transaction commits.

    ``organization`` is the one the event concerns, or several (an incident affecting three
    hospitals): each subscribed webhook, the CERT's included, receives the event once.
    """
    _event_or_error(kind)
    if organization is None:
        organizations: list[Organization] = []
    elif isinstance(organization, Organization):
        organizations = [organization]
    else:
        organizations = list(organization)
    data = _jsonable(payload)
    now = timezone.now()
    deliveries = [
        _webhook_delivery(webhook, kind, data, object_type, str(object_id), now)
        for webhook in _subscribed_webhooks(kind, organizations)
    ]
    return _store_and_dispatch(deliveries)


def _webhook_delivery(
    webhook: Webhook,
    kind: str,
    data: dict[str, Any],
    object_type: str,
    object_id: str,
    now: datetime,
) -> Delivery:
    return Delivery(
        channel=DeliveryChannel.WEBHOOK,
        event_kind=kind,
        organization_id=webhook.organization_id,
        webhook=webhook,
        address=webhook.url,
        payload=data,
        object_type=object_type,
        object_id=object_id,
        next_attempt_at=now,
    )


def _store_and_dispatch(deliveries: list[Delivery]) -> list[Delivery]:
    if not deliveries:
        return []
    with transaction.atomic():
        for delivery in deliveries:
            delivery.save()
        ids = [delivery.pk for delivery in deliveries]
        transaction.on_commit(lambda: dispatch(ids))
    return deliveries


def dispatch(delivery_ids: list[int]) -> None:
    """Hand the deliveries to workers; if the broker is down, the beat task sends them later."""
    from siaga.notifications.tasks import send_delivery_task

    for delivery_id in delivery_ids:
        try:
            send_delivery_task.delay(delivery_id)
        except Exception:  # the rows are safe in the database; only the shortcut failed
            logger.exception("could not queue delivery %s; the beat task will send it", delivery_id)


# --- Sending -------------------------------------------------------------------------------------


def claim_delivery(delivery_id: int) -> Delivery | None:
    """Take a due delivery for this worker; None if another worker has it or it is not due."""
    now = timezone.now()
    claimed = (
        Delivery.objects.filter(
            pk=delivery_id, status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED]
        )
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, claimed_at=now)
    )
    if not claimed:
        return None
    return Delivery.objects.select_related("webhook").get(pk=delivery_id)


def backoff_delay(attempt: int) -> timedelta:
    """SIAGA_WEBHOOK_BACKOFF_SECONDS * 2^(attempt-1), plus up to 10 % jitter (at most a minute).

    The jitter spreads the retries of many deliveries that failed together (a receiver that was
    down) so they do not all arrive at the same second when it comes back.
    """
    base = settings.SIAGA_WEBHOOK_BACKOFF_SECONDS * 2 ** max(0, min(attempt - 1, 30))
    delay = min(float(base), MAX_BACKOFF.total_seconds())
    jitter = random.uniform(0, min(delay / 10, MAX_JITTER_SECONDS))  # noqa: S311  # not a secret
    return timedelta(seconds=delay + jitter)


def _attempt(delivery: Delivery) -> transport.Outcome:
    if delivery.channel == DeliveryChannel.EMAIL:
        return transport.send_email(delivery)
    webhook = delivery.webhook
    if webhook is None:
        return transport.Outcome(ok=False, error="the webhook was deleted")
    if not webhook.is_active and delivery.event_kind != PING:
        return transport.Outcome(ok=False, error="the webhook is inactive")
    return transport.post_webhook(delivery, webhook.plain_secret)


def _gives_up(delivery: Delivery, outcome: transport.Outcome) -> bool:
    if delivery.attempts >= settings.SIAGA_WEBHOOK_MAX_ATTEMPTS:
        return True
    # Nothing will change for a deleted webhook: no point in retrying.
    return delivery.channel == DeliveryChannel.WEBHOOK and delivery.webhook_id is None


def record_outcome(delivery: Delivery, outcome: transport.Outcome) -> None:
    """Mark the claimed delivery sent, failed (with its next attempt) or given up."""
    now = timezone.now()
    changes: dict[str, Any] = {
        "last_error": outcome.error[: transport.MAX_ERROR_LENGTH],
        "response_status": outcome.response_status,
        "claimed_at": None,
    }
    if outcome.ok:
        changes.update(status=DeliveryStatus.SENT, sent_at=now, next_attempt_at=None)
    elif _gives_up(delivery, outcome):
        changes.update(status=DeliveryStatus.GAVE_UP, next_attempt_at=None)
    else:
        changes.update(
            status=DeliveryStatus.FAILED, next_attempt_at=now + backoff_delay(delivery.attempts)
        )
    # Only our own claim: if the claim was taken back as stale meanwhile, the newer attempt decides.
    Delivery.objects.filter(
        pk=delivery.pk, status=DeliveryStatus.SENDING, attempts=delivery.attempts
    ).update(**changes)


def send_delivery(delivery_id: int) -> Delivery | None:
    """Claim, send and record one delivery; None if it was not ours to send.

    If the worker dies between sending and recording, the delivery stays "sending" until
    ``release_stalled_deliveries`` gives it back: the receiver may then get it a second time,
    which is why webhooks carry the delivery id (X-Siaga-Delivery) for receivers to deduplicate.
    """
    delivery = claim_delivery(delivery_id)
    if delivery is None:
        return None
    try:
        outcome = _attempt(delivery)
    except Exception as exc:  # any failure of the mailer is a failed attempt, retried later
        logger.warning("delivery %s failed: %s", delivery.pk, exc)
        outcome = transport.Outcome(ok=False, error=transport.describe_error(exc))
    record_outcome(delivery, outcome)
    delivery.refresh_from_db()
    return delivery


def release_stalled_deliveries() -> int:
    """Give back deliveries whose worker died while sending them; they are due again at once."""
    now = timezone.now()
    return Delivery.objects.filter(
        status=DeliveryStatus.SENDING, claimed_at__lt=now - SENDING_TIMEOUT
    ).update(status=DeliveryStatus.PENDING, next_attempt_at=now, claimed_at=None)


def due_delivery_ids(limit: int) -> list[int]:
    return list(
        Delivery.objects.filter(
            status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED],
            next_attempt_at__lte=timezone.now(),
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


# --- Webhooks ------------------------------------------------------------------------------------


def access_webhook(user: Any, pk: int, action: str = "view") -> Webhook:
    return get_object_or_404(
        Webhook.objects.restrict(user, action).select_related("organization", "created_by"), pk=pk
    )


def webhook_organizations(user: Any) -> QuerySet[Organization]:
    """The organizations in which this user may add webhooks."""
    grant = principal_for(user).scopes("webhook.add")
    organizations = Organization.objects.filter(is_active=True).order_by("name")
    return organizations if grant.all else organizations.filter(pk__in=grant.org_ids)


def _webhook_data(data: dict[str, Any]) -> dict[str, Any]:
    refused = sorted(set(data) - set(WEBHOOK_FIELDS))
    if refused:
        raise ValidationError({name: _("This field cannot be set.") for name in refused})
    return data


def check_create_webhook(
    user: Any, organization: Organization, data: dict[str, Any]
) -> tuple[Webhook, str]:
    """Create a webhook; returns it with its secret, which is shown this once."""
    if not principal_for(user).has_perm("webhook.add", organization.pk):
        raise PermissionDenied(_("You may not add webhooks to this organization."))
    webhook = Webhook(organization=organization, created_by=user, **_webhook_data(data))
    secret = signing.generate_secret()
    webhook.set_secret(secret)
    webhook.full_clean()
    webhook.save()
    return webhook, secret


def _check_may(user: Any, webhook: Webhook, action: str) -> None:
    if not Webhook.objects.restrict(user, action).filter(pk=webhook.pk).exists():
        raise PermissionDenied(_("You may not change this webhook."))


def check_update_webhook(user: Any, webhook: Webhook, data: dict[str, Any]) -> Webhook:
    _check_may(user, webhook, "change")
    changes = _webhook_data(data)
    with transaction.atomic():
        locked = Webhook.objects.select_for_update().get(pk=webhook.pk)
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.full_clean()
        locked.save()
    return locked


def check_delete_webhook(user: Any, webhook: Webhook) -> None:
    """Delete the webhook; its log stays, and its pending deliveries are given up when due."""
    _check_may(user, webhook, "delete")
    with transaction.atomic():
        Webhook.objects.filter(pk=webhook.pk).delete()


def check_rotate_secret(user: Any, webhook: Webhook) -> str:
    """A new secret for the webhook, shown once; the old one stops working at once."""
    _check_may(user, webhook, "change")
    secret = signing.generate_secret()
    with transaction.atomic():
        locked = Webhook.objects.select_for_update().get(pk=webhook.pk)
        locked.set_secret(secret)
        locked.save(update_fields=["secret", "updated_at"])
    return secret


def check_test_webhook(user: Any, webhook: Webhook) -> Delivery:
    """Send a ``ping`` event to the webhook, so its owner can check their receiver."""
    _check_may(user, webhook, "change")
    data = {
        "message": "ping",
        "webhook": {"id": webhook.pk, "name": webhook.name},
        "organization": {"id": webhook.organization_id},
    }
    delivery = _webhook_delivery(
        webhook, PING, data, "notifications.webhook", str(webhook.pk), timezone.now()
    )
    return _store_and_dispatch([delivery])[0]


# --- Deliveries ----------------------------------------------------------------------------------


def visible_deliveries(user: Any) -> QuerySet[Delivery]:
    return Delivery.objects.restrict(user, "view").select_related("organization", "webhook")


def record_delivery_listing(count: int) -> None:
    """The log shows e-mail addresses: each listing goes to the audit trail, as member lists do."""
    if count:
        do_record_event(
            AuditAction.VIEW,
            object_type="notifications.delivery",
            object_repr=f"{count} deliveries",
            changes={"listed": "notifications.delivery", "count": count},
        )


def access_delivery(user: Any, pk: int) -> Delivery:
    return get_object_or_404(visible_deliveries(user).select_related("recipient"), pk=pk)
