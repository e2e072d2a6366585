"""The four-eyes workflow: submit, return, approve (publish a revision and distribute it), withdraw."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from siaga.accounts.roles import principal_for
from siaga.advisories import distribution
from siaga.advisories.actions.common import RED_REFUSED, FourEyesError
from siaga.advisories.actions.inputs import _text
from siaga.advisories.choices import AdvisoryStatus
from siaga.advisories.models import (
    Advisory,
    AdvisoryRevision,
)
from siaga.advisories.snapshot import snapshot
from siaga.audit.actions import do_record_event
from siaga.audit.choices import AuditAction
from siaga.notifications.actions import do_notify
from siaga.sharing.choices import TLP

# --- Workflow ------------------------------------------------------------------------------------


def _record(advisory: Advisory, step: str, was: str, now_status: str, **extra: Any) -> None:
    do_record_event(
        AuditAction.UPDATE,
        advisory,
        changes={
            "workflow": step,
            "status": [was, now_status],
            "version": advisory.version,
            **extra,
        },
    )


def _locked(advisory: Advisory) -> Advisory:
    return Advisory.objects.select_for_update().get(pk=advisory.pk)


def _illegal(step: str, status: str) -> ValidationError:
    label = AdvisoryStatus(status).label
    messages = {
        "submit": _("Only a draft can be submitted for review; this advisory is %(status)s."),
        "approve": _("Only an advisory in review can be approved; this advisory is %(status)s."),
        "return": _("Only an advisory in review can be returned to draft; this one is %(status)s."),
        "withdraw": _("Only a published advisory can be withdrawn; this one is %(status)s."),
    }
    return ValidationError({"status": messages[step] % {"status": label}})


def ready_problems(advisory: Advisory) -> list[str]:
    """What keeps the working copy from being submitted or published."""
    problems = []
    if not (advisory.title_id or advisory.title_en):
        problems.append(_("Give a title."))
    if not (advisory.summary_id or advisory.summary_en):
        problems.append(_("Give a summary."))
    if advisory.tlp == TLP.RED:
        problems.append(str(RED_REFUSED))
    if advisory.tlp in distribution.NAMED_ONLY_TLPS:
        if distribution.uses_criteria(advisory) or advisory.target_inventory:
            problems.append(
                _(
                    "A TLP:AMBER or AMBER+STRICT advisory goes only to the constituents you name: "
                    "turn off the inventory and the criteria."
                )
            )
        named = set(advisory.target_organizations.values_list("pk", flat=True))
        if not named:
            problems.append(_("Name the constituents that may receive this TLP:AMBER advisory."))
        told = set(advisory.recipients.values_list("organization_id", flat=True))
        if told - named:
            # They keep reading the advisory's latest revision: it cannot become AMBER for them.
            problems.append(
                _(
                    "Constituents that received an earlier version are not named: they would read "
                    "this TLP:AMBER update. Name them, keep the earlier TLP, or write a new advisory."
                )
            )
    return problems


def _check_ready(advisory: Advisory) -> None:
    problems = ready_problems(advisory)
    if problems:
        raise ValidationError({"status": problems})


def check_submit(user: Any, advisory: Advisory) -> Advisory:
    if not Advisory.objects.restrict(user, "change").filter(pk=advisory.pk).exists():
        raise PermissionDenied(_("You may not submit this advisory for review."))
    with transaction.atomic():
        locked = _locked(advisory)
        if locked.status != AdvisoryStatus.DRAFT:
            raise _illegal("submit", locked.status)
        _check_ready(locked)
        locked.status = AdvisoryStatus.IN_REVIEW
        locked.submitted_by = user
        locked.submitted_at = timezone.now()
        locked.save()
        _record(locked, "submit", AdvisoryStatus.DRAFT, locked.status)
    return locked


def check_return(user: Any, advisory: Advisory, comment: str) -> Advisory:
    """Send an advisory in review back to draft, saying why; its author is told."""
    principal = principal_for(user)
    if not (
        principal.has_perm("advisory.approve", advisory.organization_id)
        or Advisory.objects.restrict(user, "change").filter(pk=advisory.pk).exists()
    ):
        raise PermissionDenied(_("You may not return this advisory to draft."))
    comment = _text(comment)[:5000]
    if not comment:
        raise ValidationError({"comment": _("Say why the advisory goes back to draft.")})
    with transaction.atomic():
        locked = _locked(advisory)
        if locked.status != AdvisoryStatus.IN_REVIEW:
            raise _illegal("return", locked.status)
        locked.status = AdvisoryStatus.DRAFT
        locked.save()
        _record(locked, "return", AdvisoryStatus.IN_REVIEW, locked.status, comment=comment)
        recipients = [
            person
            for person in (locked.created_by, locked.submitted_by)
            if person is not None and person.pk != getattr(user, "pk", None)
        ]
        do_notify(
            distribution.RETURNED,
            recipients=recipients,
            context={
                "reference": locked.tracking_id,
                "title": locked.title_en or locked.title_id,
                "url": distribution._absolute("advisories:detail", locked.pk),
                "actor": getattr(user, "full_name", "") or getattr(user, "email", ""),
                "comment": comment,
            },
            object_type=distribution.OBJECT_TYPE,
            object_id=str(locked.pk),
        )
    return locked


def check_approve(
    user: Any, advisory: Advisory, change_summary_id: str = "", change_summary_en: str = ""
) -> Advisory:
    """Publish the advisory in review as its next revision (four eyes), and distribute it."""
    if not principal_for(user).has_perm("advisory.approve", advisory.organization_id):
        raise PermissionDenied(_("Only a CERT lead or administrator may publish advisories."))
    summaries = {"id": _text(change_summary_id)[:500], "en": _text(change_summary_en)[:500]}
    with transaction.atomic():
        locked = _locked(advisory)
        if locked.status != AdvisoryStatus.IN_REVIEW:
            raise _illegal("approve", locked.status)
        if user.pk in {locked.created_by_id, locked.submitted_by_id}:
            raise FourEyesError(
                _(
                    "Four eyes: the author of an advisory and who submitted it for review cannot "
                    "approve it. Ask another lead or administrator."
                )
            )
        if locked.version > 0 and not (summaries["id"] or summaries["en"]):
            raise ValidationError(
                {"change_summary_en": _("Say what changed in this update, in either language.")}
            )
        _check_ready(locked)
        return do_publish(locked, user, summaries)


def do_publish(advisory: Advisory, approver: Any, summaries: dict[str, str]) -> Advisory:
    """Freeze the working copy as the next revision and distribute it (in the caller's
    transaction, the advisory's row locked)."""
    now = timezone.now()
    was = advisory.status
    advisory.version += 1
    advisory.status = AdvisoryStatus.PUBLISHED
    advisory.last_published_at = now
    advisory.first_published_at = advisory.first_published_at or now
    content = snapshot(
        advisory,
        change_summary_id=summaries.get("id", ""),
        change_summary_en=summaries.get("en", ""),
        published_at=now,
    )
    advisory.save()
    AdvisoryRevision.objects.create(
        advisory=advisory,
        version=advisory.version,
        content=content,
        change_summary_id=summaries.get("id", ""),
        change_summary_en=summaries.get("en", ""),
        author=advisory.submitted_by or advisory.created_by,
        approved_by=approver,
        published_at=now,
    )
    recipients = distribution.do_distribute(advisory, now=now)
    _record(
        advisory,
        "publish" if advisory.version == 1 else "publish_update",
        was,
        advisory.status,
        recipients=len(recipients),
    )
    return advisory


def check_withdraw(user: Any, advisory: Advisory, reason: str) -> Advisory:
    if not principal_for(user).has_perm("advisory.approve", advisory.organization_id):
        raise PermissionDenied(_("Only a CERT lead or administrator may withdraw advisories."))
    reason = _text(reason)[:5000]
    if not reason:
        raise ValidationError({"reason": _("Say why the advisory is withdrawn.")})
    with transaction.atomic():
        locked = _locked(advisory)
        if locked.version == 0 or locked.status == AdvisoryStatus.WITHDRAWN:
            raise _illegal("withdraw", locked.status)
        was = locked.status
        locked.status = AdvisoryStatus.WITHDRAWN
        locked.withdrawn_at = timezone.now()
        locked.withdrawn_reason = reason
        locked.save()
        told = distribution.do_notify_withdrawal(locked)
        _record(locked, "withdraw", was, locked.status, reason=reason, recipients=told)
    return locked


def preview_recipients(advisory: Advisory) -> list[distribution.Planned]:
    """Who would receive the advisory if it were published now (the review page shows it)."""
    return list(distribution.recipients_for(advisory).values())
