"""E-mail to each constituent about its findings not notified yet."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from siaga.constituents.choices import NotificationKind
from siaga.constituents.models import Contact
from siaga.exposures.choices import OPEN_STATUSES
from siaga.exposures.models import Finding
from siaga.organizations.models import Organization

logger = logging.getLogger("siaga.exposures")

EMAIL_MAX_FINDINGS = 200  # findings listed in one e-mail; the rest are on the findings page
EVENT_KIND = "exposure_findings"
# Contacts that receive finding e-mails: those who asked for advisories or alerts.
NOTIFY_KINDS = (NotificationKind.ADVISORIES, NotificationKind.ALERTS)


# --- Notification of new findings ---------------------------------------------------------------


def register_notifications() -> None:
    from django.utils.translation import gettext_lazy

    from siaga.notifications.events import register_event

    register_event(
        EVENT_KIND,
        gettext_lazy("New vulnerability findings"),
        "exposures/email/new_findings_subject.txt",
        "exposures/email/new_findings.txt",
        user_preference=False,  # sent to a constituent's contacts
    )


def _site_url(name: str, *args: Any) -> str:
    try:
        return settings.SITE_URL.rstrip("/") + reverse(name, args=args)
    except NoReverseMatch:
        return ""


def finding_contacts(organization_ids: Iterable[int]) -> dict[int, list[Contact]]:
    """Organization id → its active contacts with an e-mail address who asked for advisories or
    alerts (one query for all of them)."""
    wanted: dict[int, list[Contact]] = {}
    ids = sorted(set(organization_ids))
    for batch in itertools.batched(ids, 5000):
        contacts = (
            Contact.objects.filter(organization_id__in=batch, is_active=True)
            .exclude(email="")
            .order_by("organization_id", "pk")
        )
        for contact in contacts:
            if any(kind in (contact.notification_kinds or []) for kind in NOTIFY_KINDS):
                wanted.setdefault(contact.organization_id, []).append(contact)
    return wanted


def _unnotified(organization_ids: list[int] | None) -> QuerySet[Finding]:
    findings = Finding.objects.filter(
        notified_at__isnull=True,
        status__in=list(OPEN_STATUSES),
        organization__is_active=True,
    )
    if organization_ids is not None:
        findings = findings.filter(organization_id__in=organization_ids)
    return findings


def do_notify_new_findings(organization_ids: list[int] | None = None) -> int:
    """One e-mail per constituent (to each of its finding contacts, in the contact's language)
    listing its findings not notified yet; deliveries leave once each constituent's transaction
    commits, and ``notified_at`` is set in the same transaction. Returns the organizations
    e-mailed. A constituent without such a contact keeps its findings unnotified (the page shows
    them), so a contact added later hears about them."""
    pending = sorted(set(_unnotified(organization_ids).values_list("organization_id", flat=True)))
    sent = 0
    contacts_of = finding_contacts(pending)
    for organization_id in pending:
        contacts = contacts_of.get(organization_id)
        if not contacts:
            continue
        try:
            if _notify_one(organization_id, contacts):
                sent += 1
        except Exception:
            logger.exception("finding e-mail to organization %s failed", organization_id)
    return sent


def _notify_one(organization_id: int, contacts: list[Contact]) -> bool:
    from siaga.notifications.actions import do_notify

    with transaction.atomic():
        organization = Organization.objects.get(pk=organization_id)
        findings = list(
            _unnotified([organization_id])
            .select_for_update(of=("self",))
            .select_related("vulnerability", "inventory_item")
            .order_by("-in_kev", "due_date", "-cvss_score", "pk")
        )
        if not findings:
            return False
        context = {
            "organization": organization.name,
            "findings": findings[:EMAIL_MAX_FINDINGS],
            "more": max(0, len(findings) - EMAIL_MAX_FINDINGS),
            "count": len(findings),
            "kev_count": sum(1 for f in findings if f.in_kev),
            "url": _site_url("exposures:list"),
        }
        do_notify(
            EVENT_KIND,
            recipients=contacts,
            context=context,
            object_type="organizations.organization",
            object_id=str(organization_id),
            organization=organization,
        )
        Finding.objects.filter(pk__in=[f.pk for f in findings]).update(notified_at=timezone.now())
    return True
