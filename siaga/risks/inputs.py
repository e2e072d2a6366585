"""Checking a risk's fields as the web form and the API hand them in: each problem is named by its
field, and nothing reaches the database unless every field is valid. Also who may add to which
register and who may own a risk, which the checks and the forms share."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from siaga.accounts.models import User
from siaga.accounts.roles import principal_for
from siaga.assessments.models import Assessment
from siaga.constituents.models import InventoryItem
from siaga.exposures.models import Finding
from siaga.incidents.models import Incident
from siaga.organizations.choices import OrganizationKind
from siaga.organizations.models import Organization
from siaga.risks.choices import RiskCategory, RiskStatus, RiskTreatment
from siaga.risks.models import MAX_REVIEW_CYCLE_DAYS
from siaga.risks.scale import get_scale

MAX_LINKS = 100
TEXT_LIMITS = {
    "title": 200,
    "description": 10000,
    "asset": 300,
    "threat": 5000,
    "vulnerability": 5000,
    "treatment_plan": 10000,
    "rating_reason": 2000,
}
RATING_FIELDS = tuple(
    f"{kind}_{axis}" for kind in ("inherent", "residual") for axis in ("likelihood", "impact")
)
# The fields a change may set (the organization is fixed once the risk exists).
CHANGEABLE = (
    "title",
    "description",
    "asset",
    "inventory_item",
    "category",
    "threat",
    "vulnerability",
    "owner",
    *RATING_FIELDS,
    "treatment",
    "treatment_plan",
    "due_date",
    "status",
    "review_cycle_days",
    "next_review_date",
    "incidents",
    "findings",
    "assessment",
)
# Owners of sector-level risks work for the CERT or an agency of the coordination group.
SECTOR_OWNER_KINDS = (OrganizationKind.CERT, OrganizationKind.MEMBER_AGENCY)

# --- Who may add, who may own ---------------------------------------------------------------------


def may_add_sector(user: Any) -> bool:
    return principal_for(user).scopes("risk.add").all


def organizations_for(user: Any, action: str = "add") -> QuerySet[Organization]:
    """The constituents whose register the user may add to (or read, with ``action="view"``)."""
    grant = principal_for(user).scopes(f"risk.{action}")
    constituents = Organization.objects.filter(kind=OrganizationKind.CONSTITUENT).order_by("name")
    if grant.all:
        return constituents.filter(is_active=True) if action == "add" else constituents
    return constituents.filter(pk__in=sorted(grant.org_ids))


def owner_candidates(organization: Organization | None) -> QuerySet[User]:
    """Who may own a risk: a member of its constituent, or for a sector-level risk someone in the
    CERT or an agency of the coordination group (so the owner can always read the risk)."""
    if organization is None:
        where = Q(memberships__organization__kind__in=list(SECTOR_OWNER_KINDS))
    else:
        where = Q(memberships__organization_id=organization.pk)
    return User.objects.filter(where, is_active=True).distinct().order_by("full_name", "email")


# --- Checking input --------------------------------------------------------------------------------


def to_pk(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, models.Model):
        return int(value.pk)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError
    return int(value)


def link_pks(data: dict[str, Any], name: str) -> list[int]:
    value = data.get(name) or []
    if isinstance(value, str | bytes | dict) or not isinstance(value, Iterable):
        raise ValidationError({name: _("Give a list.")})
    try:
        pks = sorted({pk for pk in (to_pk(item) for item in value) if pk is not None})
    except (TypeError, ValueError) as exc:
        raise ValidationError({name: _("Give a list of ids.")}) from exc
    if len(pks) > MAX_LINKS:
        raise ValidationError({name: _("At most %(limit)d links.") % {"limit": MAX_LINKS}})
    return pks


def text_field(data: dict[str, Any], name: str, errors: dict[str, str]) -> str:
    value = data.get(name) or ""
    if not isinstance(value, str):
        errors[name] = _("Enter a text.")
        return ""
    value = value.strip()
    if len(value) > TEXT_LIMITS[name]:
        errors[name] = _("Enter at most %(limit)d characters.") % {"limit": TEXT_LIMITS[name]}
    return value


def _choice(data: dict[str, Any], name: str, choices: Any, errors: dict[str, str]) -> str:
    value = data.get(name)
    if value not in choices.values:
        errors[name] = _("Choose one of: %(choices)s.") % {"choices": ", ".join(choices.values)}
        return ""
    return str(value)


def _ratings(data: dict[str, Any], errors: dict[str, str]) -> dict[str, int]:
    scale = get_scale()
    steps = {"likelihood": scale.likelihood_steps, "impact": scale.impact_steps}
    values: dict[str, int] = {}
    for name in RATING_FIELDS:
        value = data.get(name)
        top = steps[name.rsplit("_", 1)[1]]
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
            errors[name] = _("Enter a whole number from 1 to %(top)d.") % {"top": top}
        else:
            values[name] = value
    if len(values) == len(RATING_FIELDS):
        inherent = values["inherent_likelihood"] * values["inherent_impact"]
        residual = values["residual_likelihood"] * values["residual_impact"]
        if residual > inherent:
            errors["residual_impact"] = _(
                "The residual rating (after treatment) cannot be higher than the inherent one."
            )
    return values


def _date(data: dict[str, Any], name: str, errors: dict[str, str]) -> date | None:
    value = data.get(name)
    if value is None or isinstance(value, date):
        return value
    errors[name] = _("Enter a date.")
    return None


def _cycle(data: dict[str, Any], errors: dict[str, str]) -> int:
    value = data.get("review_cycle_days")
    if isinstance(value, bool) or not isinstance(value, int):
        errors["review_cycle_days"] = _("Enter a whole number of days.")
        return 0
    if not 1 <= value <= MAX_REVIEW_CYCLE_DAYS:
        errors["review_cycle_days"] = _("Enter a number of days from 1 to %(top)d.") % {
            "top": MAX_REVIEW_CYCLE_DAYS
        }
    return value


def _related(
    user: Any, organization: Organization | None, data: dict[str, Any], errors: dict[str, str]
) -> dict[str, Any]:
    """The owner, inventory item, incidents and findings, each checked against the organization
    and what the user may see."""
    found: dict[str, Any] = {"owner": None, "inventory_item": None}
    try:
        owner_pk, item_pk = to_pk(data.get("owner")), to_pk(data.get("inventory_item"))
    except (TypeError, ValueError):
        raise ValidationError(_("Give the owner and the inventory item by id.")) from None
    if owner_pk is not None:
        found["owner"] = owner_candidates(organization).filter(pk=owner_pk).first()
        if found["owner"] is None:
            errors["owner"] = (
                _("The owner must be an active member of the constituent.")
                if organization is not None
                else _("The owner of a sector-level risk works for the CERT or a member agency.")
            )
    if item_pk is not None:
        if organization is None:
            errors["inventory_item"] = _("A sector-level risk has no inventory item.")
        else:
            found["inventory_item"] = (
                InventoryItem.objects.restrict(user, "view")
                .filter(pk=item_pk, organization=organization)
                .first()
            )
            if found["inventory_item"] is None:
                errors["inventory_item"] = _("Choose an item of the constituent's inventory.")
    found["assessment"] = _assessment(user, organization, data, errors)
    incident_pks, finding_pks = link_pks(data, "incidents"), link_pks(data, "findings")
    incidents = list(Incident.objects.restrict(user, "view").filter(pk__in=incident_pks))
    if len(incidents) != len(incident_pks):
        errors["incidents"] = _("Some of these incidents do not exist or you may not see them.")
    findings = Finding.objects.restrict(user, "view").filter(pk__in=finding_pks)
    if organization is not None:
        findings = findings.filter(organization=organization)
    found["findings"] = list(findings)
    if len(found["findings"]) != len(finding_pks):
        errors["findings"] = _("Link only findings of the constituent that you may see.")
    found["incidents"] = incidents
    return found


def _assessment(
    user: Any, organization: Organization | None, data: dict[str, Any], errors: dict[str, str]
) -> Assessment | None:
    try:
        pk = to_pk(data.get("assessment"))
    except (TypeError, ValueError):
        errors["assessment"] = _("Give the assessment by id.")
        return None
    if pk is None:
        return None
    assessments = Assessment.objects.restrict(user, "view").filter(pk=pk)
    if organization is not None:
        assessments = assessments.filter(organization=organization)
    found = assessments.first()
    if found is None:
        errors["assessment"] = _("Choose an assessment of the constituent that you may see.")
    return found


def clean_risk(
    user: Any, organization: Organization | None, data: dict[str, Any]
) -> dict[str, Any]:
    """Every field of a risk, checked; a ``ValidationError`` names each field at fault."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {
        name: text_field(data, name, errors) for name in TEXT_LIMITS if name != "rating_reason"
    }
    if not values["title"] and "title" not in errors:
        errors["title"] = _("Give the risk a title.")
    values["category"] = _choice(data, "category", RiskCategory, errors)
    values["treatment"] = _choice(data, "treatment", RiskTreatment, errors)
    values["status"] = _choice(data, "status", RiskStatus, errors)
    values.update(_ratings(data, errors))
    values["due_date"] = _date(data, "due_date", errors)
    values["next_review_date"] = _date(data, "next_review_date", errors)
    values["review_cycle_days"] = _cycle(data, errors)
    values.update(_related(user, organization, data, errors))
    if errors:
        raise ValidationError(errors)
    return values


def organization_for_new(user: Any, value: Any) -> Organization | None:
    try:
        pk = to_pk(value)
    except (TypeError, ValueError):
        raise ValidationError({"organization": _("Give the constituent by id.")}) from None
    if pk is None:
        if not may_add_sector(user):
            raise ValidationError(
                {"organization": _("Choose your constituent: only the CERT keeps sector risks.")}
            )
        return None
    organization = organizations_for(user, "add").filter(pk=pk).first()
    if organization is None:
        raise ValidationError(
            {"organization": _("Choose an active constituent whose risks you may add.")}
        )
    return organization
