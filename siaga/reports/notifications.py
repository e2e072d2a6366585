"""The sector reports' notification kind: a new draft is ready for the CERT's leads."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy

from siaga.accounts.models import User
from siaga.accounts.roles import Role
from siaga.notifications.actions import do_notify
from siaga.notifications.events import register_event
from siaga.organizations.choices import OrganizationKind

DRAFT_READY = "sector_report_draft"
OBJECT_TYPE = "reports.sectorreport"


def register_notifications() -> None:
    """Idempotent: registering again replaces."""
    register_event(
        DRAFT_READY,
        gettext_lazy("Sector report draft ready"),
        f"reports/email/{DRAFT_READY}_subject.txt",
        f"reports/email/{DRAFT_READY}.txt",
    )


register_notifications()


def cert_leads() -> QuerySet[User]:
    """Active leads and administrators of an active CERT: those who publish the report."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__role__in=[Role.CERT_LEAD, Role.CERT_ADMIN],
            memberships__organization__kind=OrganizationKind.CERT,
            memberships__organization__is_active=True,
        )
        .distinct()
        .order_by("pk")
    )


def _url(pk: int) -> str:
    try:
        return settings.SITE_URL.rstrip("/") + reverse("reports:detail", args=[pk])
    except NoReverseMatch:
        return ""


def notify_draft_ready(report: Any) -> None:
    """Tell the leads (in the caller's transaction; sent after commit)."""
    # Lazy: each recipient reads the period's name in their own language.
    title = lazy(report.period.label, str)()
    do_notify(
        DRAFT_READY,
        recipients=list(cert_leads()),
        context={"title": title, "url": _url(report.pk), "reference": report.period.key()},
        object_type=OBJECT_TYPE,
        object_id=str(report.pk),
    )
