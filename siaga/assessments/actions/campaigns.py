"""Campaigns: created by the CERT, sent to the chosen constituents, reminded, closed."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from siaga.accounts.roles import principal_for
from siaga.assessments import notify
from siaga.assessments.choices import AssessmentStatus, CampaignStatus
from siaga.assessments.models import Assessment, Campaign, Framework
from siaga.audit.actions import do_record_event
from siaga.audit.choices import AuditAction
from siaga.core.reminders import remind_each_once
from siaga.organizations.choices import OrganizationKind
from siaga.organizations.models import Organization

MAX_NAME = 200


def reminder_days() -> int:
    return int(getattr(settings, "SIAGA_ASSESSMENT_REMINDER_DAYS", 7))


def visible_campaigns(user: Any) -> QuerySet[Campaign]:
    return Campaign.objects.restrict(user, "view").select_related("framework")


def access_campaign(user: Any, pk: int, action: str = "view") -> Campaign:
    return get_object_or_404(
        Campaign.objects.restrict(user, action).select_related("framework"), pk=pk
    )


def constituents() -> QuerySet[Organization]:
    return Organization.objects.filter(kind=OrganizationKind.CONSTITUENT, is_active=True)


def _require(user: Any, permission: str) -> None:
    if not principal_for(user).has_perm(permission):
        raise PermissionDenied(_("You may not do this."))


def _clean(data: dict[str, Any]) -> tuple[str, Framework, date, list[Organization]]:
    errors: dict[str, str] = {}
    name = str(data.get("name") or "").strip()
    if not name or len(name) > MAX_NAME or "\x00" in name:
        errors["name"] = _("Give the campaign a name (at most 200 characters).")
    framework = data.get("framework")
    if not isinstance(framework, Framework):
        framework = Framework.objects.filter(pk=framework).first() if framework else None
    if framework is None:
        errors["framework"] = _("Choose a framework version.")
    deadline = data.get("deadline")
    if not isinstance(deadline, date) or deadline <= timezone.localdate():
        errors["deadline"] = _("The deadline must be a date after today.")
    wanted = [getattr(org, "pk", org) for org in data.get("organizations") or []]
    organizations = list(constituents().filter(pk__in=wanted).order_by("name"))
    if not organizations or len(organizations) != len(set(wanted)):
        errors["organizations"] = _("Choose one or more active constituents.")
    if errors:
        raise ValidationError(errors)
    return name, framework, deadline, organizations  # type: ignore[return-value]


def check_create_campaign(user: Any, data: dict[str, Any]) -> Campaign:
    """A draft campaign (``campaign.add``): name, framework version, deadline, constituents."""
    _require(user, "campaign.add")
    name, framework, deadline, organizations = _clean(data)
    with transaction.atomic():
        campaign = Campaign.objects.create(
            name=name, framework=framework, deadline=deadline, created_by=user
        )
        campaign.organizations.set(organizations)
        do_record_event(AuditAction.CREATE, campaign, changes={"name": name}, actor=user)
    return campaign


def check_send(user: Any, campaign: Campaign) -> Campaign:
    """Send a draft: one assessment per constituent, each told by e-mail (after commit)."""
    _require(user, "campaign.change")
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.status != CampaignStatus.DRAFT:
            raise ValidationError({"status": _("Only a draft campaign can be sent.")})
        if locked.deadline <= timezone.localdate():
            raise ValidationError({"deadline": _("The deadline has passed: change it first.")})
        organizations = list(locked.organizations.filter(is_active=True).order_by("name"))
        if not organizations:
            raise ValidationError({"organizations": _("The campaign has no active constituent.")})
        locked.status = CampaignStatus.SENT
        locked.sent_at = timezone.now()
        locked.save(update_fields=["status", "sent_at", "updated_at"])
        for organization in organizations:
            assessment = Assessment.objects.create(campaign=locked, organization=organization)
            notify.notify_constituent(assessment, notify.SENT)
        do_record_event(
            AuditAction.UPDATE,
            locked,
            changes={"status": "sent", "constituents": [org.name for org in organizations]},
            actor=user,
        )
    return locked


def check_close(user: Any, campaign: Campaign) -> Campaign:
    """Close a sent campaign: assessments not submitted can no longer be answered."""
    _require(user, "campaign.change")
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.status != CampaignStatus.SENT:
            raise ValidationError({"status": _("Only a sent campaign can be closed.")})
        locked.status = CampaignStatus.CLOSED
        locked.closed_at = timezone.now()
        locked.save(update_fields=["status", "closed_at", "updated_at"])
        do_record_event(AuditAction.UPDATE, locked, changes={"status": "closed"}, actor=user)
    return locked


# --- Reminders -----------------------------------------------------------------------------------


def due_reminders(now: datetime) -> QuerySet[Assessment]:
    """Open assessments of sent campaigns whose deadline is within ``SIAGA_ASSESSMENT_REMINDER_DAYS``
    and not yet past, not reminded today."""
    today = timezone.localdate(now)
    return (
        Assessment.objects.filter(
            campaign__status=CampaignStatus.SENT,
            campaign__deadline__gte=today,
            campaign__deadline__lte=today + timedelta(days=reminder_days()),
            status__in=[AssessmentStatus.OPEN, AssessmentStatus.RETURNED],
            organization__is_active=True,
        )
        .exclude(last_reminded_at__date=today)
        .order_by("pk")
    )


def do_send_reminders(now: datetime | None = None) -> dict[str, int]:
    """Remind each due assessment once a day (row locked and checked again: runs may overlap)."""
    now = now or timezone.now()

    def remind(row: Assessment) -> None:
        row.reminders_sent += 1
        row.last_reminded_at = now
        row.save(update_fields=["reminders_sent", "last_reminded_at", "updated_at"])
        notify.notify_constituent(row, notify.REMINDER)

    related = ("campaign__framework", "organization")
    return {"reminded": remind_each_once(due_reminders(now), remind, related=related)}
