"""State changes of incident reports: submission, acknowledgement and triage."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from siaga.accounts.models import User
from siaga.accounts.roles import Role, principal_for
from siaga.incidents.actions.deadlines import sync_legal_clocks
from siaga.incidents.actions.incidents import do_create_incident
from siaga.incidents.choices import (
    Channel,
    PersonalDataInvolved,
    RejectionReason,
    ReportLanguage,
    ReportStatus,
    TriageAction,
)
from siaga.incidents.models import Incident, Report
from siaga.incidents.models.sequences import REPORT, allocate_tracking_id
from siaga.incidents.taxonomy import validate_classification
from siaga.notifications.actions import do_notify, do_notify_webhooks
from siaga.organizations.choices import OrganizationKind
from siaga.organizations.models import Organization

logger = logging.getLogger("siaga.incidents")

# What a submission may set; everything else (status, triage, tracking id) is the CERT's.
REPORT_FIELDS = (
    "title",
    "description",
    "discovered_at",
    "personal_data_involved",
    "suspected_class",
    "suspected_type",
    "affected_systems",
    "language",
    "reporter_name",
    "reporter_email",
    "reporter_phone",
    "reporter_organization_name",
)


def access_report(user: Any, pk: int, action: str = "view") -> Report:
    return get_object_or_404(
        Report.objects.restrict(user, action).select_related(
            "organization", "reporter", "incident", "triaged_by", "duplicate_of"
        ),
        pk=pk,
    )


def reporting_organizations(user: Any) -> QuerySet[Organization]:
    """The organizations the user may file reports for.

    Members file for the organizations they belong to; the CERT's staff may file for any active
    constituent (a hospital that called the duty phone, say) or for none.
    """
    grant = principal_for(user).scopes("report.add")
    active = Organization.objects.filter(is_active=True).order_by("name")
    if grant.all:
        return active.filter(kind=OrganizationKind.CONSTITUENT)
    return active.filter(pk__in=sorted(grant.org_ids))


def check_submit_report(
    user: Any,
    data: dict[str, Any],
    *,
    organization: Organization | None,
    channel: str,
    raw: Any,
    client_address: str | None = None,
) -> Report:
    """A report from a signed-in user (web form or API) for one of their organizations."""
    principal = principal_for(user)
    if not principal.has_perm("report.add"):
        raise PermissionDenied(_("You may not file incident reports."))
    allowed = reporting_organizations(user)
    if organization is None and not principal.scopes("report.add").all:
        choices = list(allowed[:2])
        if len(choices) != 1:
            raise ValidationError({"organization": _("Choose the organization you report for.")})
        organization = choices[0]
    if organization is not None and not allowed.filter(pk=organization.pk).exists():
        raise ValidationError({"organization": _("You may not report for this organization.")})
    fields = {name: value for name, value in data.items() if name in REPORT_FIELDS}
    fields.setdefault("language", getattr(user, "language", "") or settings.LANGUAGE_CODE)
    fields.setdefault("reporter_name", user.full_name)
    return do_submit_report(
        fields,
        channel=channel,
        raw=raw,
        reporter=user,
        organization=organization,
        client_address=client_address,
    )


def submit_public_report(
    data: dict[str, Any], *, raw: Any, client_address: str | None, user: Any = None
) -> Report:
    """A report from the public form; anyone may send one (the view checks for robots)."""
    fields = {name: value for name, value in data.items() if name in REPORT_FIELDS}
    if not fields.get("reporter_email"):
        raise ValidationError({"reporter_email": _("Give an e-mail address for the reply.")})
    reporter = user if user is not None and user.is_authenticated else None
    return do_submit_report(
        fields,
        channel=Channel.PUBLIC,
        raw=raw,
        reporter=reporter,
        organization=None,
        client_address=client_address,
    )


def do_submit_report(
    fields: dict[str, Any],
    *,
    channel: str,
    raw: Any,
    reporter: Any,
    organization: Organization | None,
    client_address: str | None,
) -> Report:
    """Store the report with a fresh tracking id; acknowledge it by e-mail once committed."""
    if fields.get("language") not in ReportLanguage.values:
        fields["language"] = ReportLanguage.INDONESIAN
    with transaction.atomic():
        report = Report(
            **fields,
            channel=channel,
            raw=raw,
            reporter=reporter,
            organization=organization,
            client_address=client_address,
        )
        report.tracking_id = "-"
        report.full_clean(exclude=["tracking_id", "raw"])
        validate_classification(
            report.suspected_class,
            report.suspected_type,
            fields=("suspected_class", "suspected_type"),
        )
        report.tracking_id = allocate_tracking_id(REPORT)
        report.save()
        notify_report_received(report)
        transaction.on_commit(lambda: send_report_acknowledgement(report))
    return report


def duty_staff() -> QuerySet[User]:
    """The CERT staff on duty for new reports: active leads and analysts of an active CERT."""
    return User.objects.filter(
        is_active=True,
        memberships__role__in=[Role.CERT_LEAD, Role.CERT_ANALYST],
        memberships__organization__is_active=True,
        memberships__organization__kind=OrganizationKind.CERT,
    ).distinct()


def notify_report_received(report: Report) -> None:
    """Tell the duty staff (not the reporter, who has the acknowledgement) and the webhooks.

    The webhook payload names the report, never the reporter's contact details.
    """
    staff = duty_staff()
    if report.reporter_id:
        staff = staff.exclude(pk=report.reporter_id)
    context = {
        "reference": report.tracking_id,
        "title": report.title,
        "url": settings.SITE_URL + reverse("incidents:report-detail", args=[report.pk]),
        "received_at": report.created_at,
    }
    do_notify(
        "report_received",
        recipients=list(staff),
        context=context,
        object_type="incidents.report",
        object_id=str(report.pk),
        organization=report.organization,
    )
    do_notify_webhooks(
        "report_received",
        report.organization,
        {
            "tracking_id": report.tracking_id,
            "channel": report.channel,
            "organization_id": report.organization_id,
            "received_at": report.created_at,
        },
        "incidents.report",
        str(report.pk),
    )


def send_report_acknowledgement(report: Report) -> bool:
    """E-mail the reporter the tracking id, in their language. Returns whether it was sent.

    Runs after the report is committed: a mail server that is down must not lose the report, so a
    failure is logged (for the operator) and swallowed.
    """
    address = report.acknowledgement_address
    if not address:
        return False
    context = {
        "report": report,
        "site_url": settings.SITE_URL,
        "status_url": settings.SITE_URL + reverse("incidents:report-detail", args=[report.pk])
        if report.reporter_id
        else "",
    }
    try:
        with translation.override(report.language):
            subject = render_to_string(
                "incidents/email/report_acknowledgement_subject.txt", context
            ).strip()
            body = render_to_string("incidents/email/report_acknowledgement.txt", context)
        send_mail(" ".join(subject.split()), body, None, [address])
    except Exception:
        logger.exception("Could not send the acknowledgement of report %s", report.tracking_id)
        return False
    return True


# --- Triage ---------------------------------------------------------------------------------------


def check_triage_report(
    user: Any,
    report: Report,
    action: str,
    *,
    incident_id: int | None = None,
    reason: str = "",
    note: str = "",
    duplicate_of_id: int | None = None,
) -> Report:
    """Turn a new report into an incident, attach it to one, or reject it.

    The report is locked first and must still be new: of two analysts triaging it at once, the
    second is told it was already triaged.
    """
    if not principal_for(user).has_perm("report.triage"):
        raise PermissionDenied(_("You may not triage reports."))
    if action not in TriageAction.values:
        raise ValidationError({"action": _("Unknown triage action.")})
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        if locked.status != ReportStatus.NEW:
            raise ValidationError(
                _("This report was already triaged (%(status)s).")
                % {"status": locked.get_status_display()}
            )
        if action == TriageAction.NEW_INCIDENT:
            return _triage_into_new_incident(user, locked, note)
        if action == TriageAction.ATTACH:
            return _triage_attach(user, locked, incident_id, note)
        return _triage_reject(user, locked, reason, note, incident_id, duplicate_of_id)


def _mark_triaged(user: Any, report: Report, status: str, note: str) -> None:
    report.status = status
    report.triage_note = note.strip()
    report.triaged_by = user
    report.triaged_at = timezone.now()
    report.save()


def _triage_into_new_incident(user: Any, report: Report, note: str) -> Report:
    fields: dict[str, Any] = {
        "title": report.title,
        "description": report.description,
        "detected_at": report.discovered_at,
        "personal_data_involved": report.personal_data_involved == PersonalDataInvolved.YES,
    }
    try:
        validate_classification(report.suspected_class, report.suspected_type)
    except ValidationError:
        pass  # an old or partial guess is not worth refusing the triage for; the analyst classifies
    else:
        fields["rsit_class"] = report.suspected_class
        fields["rsit_type"] = report.suspected_type
    relations = {"affected_constituents": [report.organization]} if report.organization else {}
    incident = do_create_incident(
        fields, relations, by=user, reported_at=report.created_at, acknowledged=True
    )
    report.incident = incident
    _mark_triaged(user, report, ReportStatus.TRIAGED, note)
    return report


def _lock_incident_for_triage(user: Any, incident_id: int | None) -> Incident:
    if incident_id is None:
        raise ValidationError({"incident_id": _("Choose the incident.")})
    incident = Incident.objects.restrict(user, "change").filter(pk=incident_id).first()
    if incident is None:
        raise ValidationError({"incident_id": _("No such incident.")})
    return Incident.objects.select_for_update().get(pk=incident.pk)


def _triage_attach(user: Any, report: Report, incident_id: int | None, note: str) -> Report:
    incident = _lock_incident_for_triage(user, incident_id)
    if incident.acknowledged_at is None:
        incident.acknowledged_at = timezone.now()
        incident.save(update_fields=["acknowledged_at", "updated_at"])
    if report.organization_id:
        incident.affected_constituents.add(report.organization_id)
        sync_legal_clocks(incident)  # the new constituent may be vital infrastructure
    report.incident = incident
    _mark_triaged(user, report, ReportStatus.TRIAGED, note)
    return report


def _triage_reject(
    user: Any,
    report: Report,
    reason: str,
    note: str,
    incident_id: int | None,
    duplicate_of_id: int | None,
) -> Report:
    if reason not in RejectionReason.values:
        raise ValidationError({"reason": _("Choose why the report is rejected.")})
    if reason == RejectionReason.DUPLICATE:
        _set_duplicate_target(user, report, incident_id, duplicate_of_id)
    report.rejection_reason = reason
    _mark_triaged(user, report, ReportStatus.REJECTED, note)
    return report


def _set_duplicate_target(
    user: Any, report: Report, incident_id: int | None, duplicate_of_id: int | None
) -> None:
    """A duplicate names what it duplicates: another report or an incident."""
    if duplicate_of_id is not None:
        original = Report.objects.restrict(user, "view").filter(pk=duplicate_of_id).first()
        if original is None or original.pk == report.pk:
            raise ValidationError({"duplicate_of_id": _("No such report.")})
        report.duplicate_of = original
        report.incident_id = original.incident_id
    elif incident_id is not None:
        report.incident = _lock_incident_for_triage(user, incident_id)
    else:
        raise ValidationError(
            {"duplicate_of_id": _("Name the report or incident this one duplicates.")}
        )
