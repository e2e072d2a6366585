"""The risk register's state changes: seeing risks, creating and changing them (with the rating
history), recording reviews, and exporting the register.

Who may do what comes from ``siaga.accounts.roles`` through ``Risk.objects.restrict``: the CERT's
staff add and change every risk, sector-level ones included; a constituent's administrator its own
constituent's; everyone else in a constituent reads its risks; the coordination group's members
and auditors read them all. The web form and the API hand the same plain values to
``check_create_risk`` / ``check_change_risk``, which check each one and name the field at fault;
nothing is saved unless everything is valid. The model signals write the audit trail's entry for
each risk, rating and review; links to incidents and findings get an entry of their own.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from siaga.accounts.roles import principal_for
from siaga.assessments.models import Assessment
from siaga.audit.actions import do_record_event
from siaga.audit.choices import AuditAction
from siaga.exposures.models import Finding
from siaga.incidents.models import Incident
from siaga.organizations.models import Organization
from siaga.risks.choices import ACTIVE_STATUSES, RiskRatingKind
from siaga.risks.inputs import (
    CHANGEABLE,
    RATING_FIELDS,
    clean_risk,
    organization_for_new,
    text_field,
    to_pk,
)
from siaga.risks.models import Risk, RiskRating, RiskReview
from siaga.risks.scale import get_scale

# --- Seeing ----------------------------------------------------------------------------------------


def visible_risks(user: Any) -> QuerySet[Risk]:
    return Risk.objects.restrict(user, "view").select_related("organization", "owner")


def access_risk(user: Any, pk: int, action: str = "view") -> Risk:
    """A risk the user may see (or change, with ``action="change"``); anything else is a 404."""
    found = (
        Risk.objects.restrict(user, action)
        .select_related("organization", "owner", "inventory_item", "created_by")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404(_("No such risk."))
    return found


def may_change(user: Any, risk: Risk) -> bool:
    return Risk.objects.restrict(user, "change").filter(pk=risk.pk).exists()


def require(user: Any, permission: str) -> None:
    if not principal_for(user).has_perm(permission):
        raise PermissionDenied(_("You may not do this."))


# --- Creating and changing -------------------------------------------------------------------------


def check_create_risk(user: Any, data: dict[str, Any]) -> Risk:
    require(user, "risk.add")
    organization = organization_for_new(user, data.get("organization"))
    values = clean_risk(user, organization, data)
    reason = text_field(data, "rating_reason", {}) or _("Initial rating")
    return do_create_risk(organization, values, actor=user, reason=reason[:2000])


def do_create_risk(
    organization: Organization | None, values: dict[str, Any], *, actor: Any, reason: str
) -> Risk:
    values = dict(values)
    incidents, findings = values.pop("incidents", []), values.pop("findings", [])
    if values.get("next_review_date") is None:
        values["next_review_date"] = timezone.localdate() + timedelta(
            days=values["review_cycle_days"]
        )
    with transaction.atomic():
        risk = Risk(organization=organization, created_by=actor, **values)
        _set_scores(risk)
        risk.save()
        for kind in RiskRatingKind.values:
            _record_rating(risk, kind, actor, reason)
        _set_links(risk, incidents, findings)
    return risk


def check_change_risk(user: Any, risk: Risk, data: dict[str, Any]) -> Risk:
    """Change the fields given in ``data`` (the others keep their values). A changed rating needs
    ``rating_reason``."""
    if not may_change(user, risk):
        raise PermissionDenied(_("You may not change this risk."))
    current = current_values(risk)
    merged = {**current, **{k: v for k, v in data.items() if k in CHANGEABLE}}
    hidden = hidden_links(user, risk)
    for name, rows in hidden.items():
        kept = {row.pk for row in rows}
        if isinstance(merged.get(name), list):
            merged[name] = [pk for pk in merged[name] if _safe_pk(pk) not in kept]
    # An assessment the editor may not see (a draft campaign's) stays linked unless replaced.
    kept_assessment = None
    unchanged = risk.assessment_id and merged.get("assessment") == risk.assessment_id
    visible = Assessment.objects.restrict(user, "view").filter(pk=risk.assessment_id or 0)
    if unchanged and not visible.exists():
        kept_assessment, merged["assessment"] = risk.assessment, None
    values = clean_risk(user, risk.organization, merged)
    for name, rows in hidden.items():
        values[name] = [*values[name], *rows]
    if kept_assessment is not None:
        values["assessment"] = kept_assessment
    errors: dict[str, str] = {}
    reason = text_field(data, "rating_reason", errors)
    if errors:
        raise ValidationError(errors)
    if any(values[name] != current[name] for name in RATING_FIELDS) and not reason:
        raise ValidationError({"rating_reason": _("Say why the rating changed.")})
    return do_change_risk(risk, values, actor=user, reason=reason)


def hidden_links(user: Any, risk: Risk) -> dict[str, list[Any]]:
    """The linked incidents and findings the user may not see: a change keeps them linked (the
    CERT may have linked an incident the constituent does not see) without showing them."""
    return {
        "incidents": list(
            risk.incidents.exclude(pk__in=Incident.objects.restrict(user, "view").values("pk"))
        ),
        "findings": list(
            risk.findings.exclude(pk__in=Finding.objects.restrict(user, "view").values("pk"))
        ),
    }


def _safe_pk(value: Any) -> int | None:
    try:
        return to_pk(value)
    except (TypeError, ValueError):
        return None


def current_values(risk: Risk) -> dict[str, Any]:
    """A risk's fields as the checks take them (ids for the links)."""
    ids = {"owner", "inventory_item", "assessment"}
    values: dict[str, Any] = {
        name: getattr(risk, name)
        for name in CHANGEABLE
        if name not in {*ids, "incidents", "findings"}
    }
    values.update({name: getattr(risk, f"{name}_id") for name in ids})
    values["incidents"] = list(risk.incidents.values_list("pk", flat=True))
    values["findings"] = list(risk.findings.values_list("pk", flat=True))
    return values


def do_change_risk(risk: Risk, values: dict[str, Any], *, actor: Any, reason: str) -> Risk:
    values = dict(values)
    incidents, findings = values.pop("incidents"), values.pop("findings")
    with transaction.atomic():
        locked = Risk.objects.select_for_update().get(pk=risk.pk)
        before = {kind: _rating_of(locked, kind) for kind in RiskRatingKind.values}
        for name, value in values.items():
            setattr(locked, name, value)
        if locked.next_review_date is None:
            locked.next_review_date = locked.next_review_after(timezone.localdate())
        _set_scores(locked)
        locked.save()
        for kind in RiskRatingKind.values:
            if _rating_of(locked, kind) != before[kind]:
                _record_rating(locked, kind, actor, reason)
        _set_links(locked, incidents, findings)
    return locked


def _rating_of(risk: Risk, kind: str) -> tuple[int, int]:
    return getattr(risk, f"{kind}_likelihood"), getattr(risk, f"{kind}_impact")


def _set_scores(risk: Risk) -> None:
    scale = get_scale()
    risk.inherent_score = scale.score(risk.inherent_likelihood, risk.inherent_impact)
    risk.residual_score = scale.score(risk.residual_likelihood, risk.residual_impact)


def _record_rating(risk: Risk, kind: str, actor: Any, reason: str) -> RiskRating:
    likelihood, impact = _rating_of(risk, kind)
    return RiskRating.objects.create(
        risk=risk,
        kind=kind,
        likelihood=likelihood,
        impact=impact,
        score=likelihood * impact,
        reason=reason,
        actor=actor,
    )


def _set_links(risk: Risk, incidents: list[Incident], findings: list[Finding]) -> None:
    """Set the links and record a change of them in the audit trail (many-to-many changes have no
    model signal)."""
    changes: dict[str, Any] = {}
    for name, chosen in (("incidents", incidents), ("findings", findings)):
        manager = getattr(risk, name)
        old = set(manager.values_list("pk", flat=True))
        new = {row.pk for row in chosen}
        if old != new:
            manager.set(sorted(new))
            changes[name] = [sorted(old), sorted(new)]
    if changes:
        do_record_event(AuditAction.UPDATE, risk, changes=changes)


# --- Reviews -----------------------------------------------------------------------------------------


def check_review_risk(
    user: Any, risk: Risk, *, notes: str = "", next_review_date: date | None = None
) -> RiskReview:
    """Record that the risk was reviewed; the next review is a cycle from today unless given."""
    if not may_change(user, risk):
        raise PermissionDenied(_("You may not review this risk."))
    notes = (notes or "").strip()
    if len(notes) > 5000:
        raise ValidationError({"notes": _("Enter at most %(limit)d characters.") % {"limit": 5000}})
    today = timezone.localdate()
    if next_review_date is not None and next_review_date <= today:
        raise ValidationError({"next_review_date": _("The next review must be after today.")})
    return do_review_risk(risk, actor=user, notes=notes, next_review_date=next_review_date)


def do_review_risk(
    risk: Risk, *, actor: Any, notes: str = "", next_review_date: date | None = None
) -> RiskReview:
    now = timezone.now()
    with transaction.atomic():
        locked = Risk.objects.select_for_update().get(pk=risk.pk)
        # Checked under the lock: the risk may have been closed since the page was read.
        if locked.status not in ACTIVE_STATUSES:
            raise ValidationError(_("A closed risk is not reviewed; reopen it first."))
        upcoming = next_review_date or locked.next_review_after(timezone.localdate(now))
        review = RiskReview.objects.create(
            risk=locked, reviewer=actor, reviewed_at=now, notes=notes, next_review_date=upcoming
        )
        locked.last_reviewed_at = now
        locked.next_review_date = upcoming
        # A new cycle: its due date gets its own reminder, even the date reminded of before.
        locked.review_reminded_for = None
        locked.save(
            update_fields=[
                "last_reviewed_at",
                "next_review_date",
                "review_reminded_for",
                "updated_at",
            ]
        )
    return review
