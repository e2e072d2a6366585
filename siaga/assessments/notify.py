"""Telling people about assessments: the notification kinds and their recipients.

A constituent hears through its contacts who asked for assessments and its administrators (who
answer), each in their own language; the CERT hears of a submission through the campaign's author.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy

from siaga.accounts.models import User
from siaga.accounts.roles import Role
from siaga.assessments.models import Assessment
from siaga.constituents.choices import NotificationKind
from siaga.constituents.models import Contact
from siaga.notifications.actions import do_notify
from siaga.notifications.events import register_event

OBJECT_TYPE = "assessments.assessment"
SENT = "assessment_sent"
REMINDER = "assessment_reminder"
RETURNED = "assessment_returned"
SUBMITTED = "assessment_submitted"
CONTACT_EVENTS = {
    SENT: gettext_lazy("Assessment sent"),
    REMINDER: gettext_lazy("Assessment reminder"),
    RETURNED: gettext_lazy("Assessment changes requested"),
}
STAFF_EVENTS = {SUBMITTED: gettext_lazy("Assessment submitted")}


def register_notifications() -> None:
    """The assessments' notification kinds (idempotent)."""
    for kind, label in CONTACT_EVENTS.items():
        register_event(
            kind,
            label,
            f"assessments/email/{kind}_subject.txt",
            f"assessments/email/{kind}.txt",
            user_preference=False,
        )
    for kind, label in STAFF_EVENTS.items():
        register_event(
            kind, label, f"assessments/email/{kind}_subject.txt", f"assessments/email/{kind}.txt"
        )


register_notifications()


def absolute(name: str, *args: Any) -> str:
    try:
        return settings.SITE_URL.rstrip("/") + reverse(name, args=args)
    except NoReverseMatch:
        return ""


def people_of(organization_id: int) -> list[Any]:
    """The constituent's contacts who asked for assessments, then its administrators."""
    contacts = [
        contact
        for contact in Contact.objects.filter(organization_id=organization_id, is_active=True)
        .exclude(email="")
        .order_by("pk")
        if NotificationKind.ASSESSMENTS.value in (contact.notification_kinds or [])
    ]
    admins = User.objects.filter(
        is_active=True,
        memberships__organization_id=organization_id,
        memberships__role=Role.CONSTITUENT_ADMIN,
    ).order_by("pk")
    return [*contacts, *admins]


def context_of(assessment: Assessment, **extra: Any) -> dict[str, Any]:
    campaign = assessment.campaign
    return {
        "reference": campaign.name,
        "title": campaign.framework.name_en,
        "title_id": campaign.framework.name_id,
        "organization": assessment.organization.name,
        "deadline": campaign.deadline,
        "url": absolute("assessments:answer", assessment.pk),
        **extra,
    }


def notify_constituent(assessment: Assessment, kind: str, **extra: Any) -> int:
    deliveries = do_notify(
        kind,
        recipients=people_of(assessment.organization_id),
        context=context_of(assessment, **extra),
        object_type=OBJECT_TYPE,
        object_id=str(assessment.pk),
        organization=assessment.organization,
    )
    return len(deliveries)


def notify_submitted(assessment: Assessment, actor: Any) -> None:
    author = assessment.campaign.created_by
    if author is None:
        return
    do_notify(
        SUBMITTED,
        recipients=[author],
        context=context_of(
            assessment,
            url=absolute("assessments:review", assessment.pk),
            actor=getattr(actor, "full_name", "") or getattr(actor, "email", ""),
        ),
        object_type=OBJECT_TYPE,
        object_id=str(assessment.pk),
        organization=assessment.organization,
    )
