"""Fixtures of the digest tests: events, contacts, subscriptions, and the notification tests' local
webhook receiver and inline sending."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from siaga.constituents.models import Contact
from siaga.digests.choices import DigestFormat, Frequency
from siaga.digests.models import DigestSubscription
from siaga.events.models import Event
from siaga.notifications.tests.conftest import receiver, send_inline  # noqa: F401  # fixtures

NOW = datetime(2026, 3, 10, 6, 0, tzinfo=UTC)

_keys = itertools.count(1_000)


def make_event(organization: Any, observed: datetime, **fields: Any) -> Event:
    values: dict[str, Any] = {
        "feed_name": "Shadowserver",
        "classification_taxonomy": "vulnerable",
        "classification_type": "potentially-unwanted-accessible",
        "classification_identifier": "accessible-rdp",
        "source_ip": "192.0.2.10",
        "source_port": 3389,
        "severity": 2,
        "dedupe_key": next(_keys),
        "time_observation": observed,
        "last_seen": observed,
        "constituent": organization,
    }
    values.update(fields)
    return Event.objects.create(**values)


def make_contact(organization: Any, language: str = "id", **extra: Any) -> Contact:
    return Contact.objects.create(
        organization=organization,
        name=extra.pop("name", "Budi Santoso"),
        role=extra.pop("role", "security_officer"),
        email=extra.pop("email", "budi@hospital.test"),
        language=language,
        notification_kinds=["feed_digests"],
        **extra,
    )


def make_subscription(organization: Any, contact: Contact | None = None, **extra: Any):
    extra.setdefault("frequency", Frequency.DAILY)
    extra.setdefault(
        "format", DigestFormat.EMAIL_CSV if contact is not None else DigestFormat.WEBHOOK_JSON
    )
    return DigestSubscription.objects.create(organization=organization, contact=contact, **extra)
