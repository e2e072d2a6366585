"""Seeing findings, recording remediation, and the exposure panel's context."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from siaga.accounts.roles import principal_for
from siaga.exposures.choices import OPEN_STATUSES, SETTABLE_STATUSES, Certainty
from siaga.exposures.models import Finding, FindingChange
from siaga.organizations.models import Organization
from siaga.vulns.choices import ProductStatus
from siaga.vulns.models import Vulnerability

# --- Access and remediation ---------------------------------------------------------------------


def visible_findings(user: Any) -> QuerySet[Finding]:
    return Finding.objects.restrict(user, "view").select_related(
        "organization", "vulnerability", "inventory_item"
    )


def access_finding(user: Any, pk: int, action: str = "view") -> Finding:
    return get_object_or_404(
        Finding.objects.restrict(user, action).select_related(
            "organization", "vulnerability", "inventory_item", "matched_product"
        ),
        pk=pk,
    )


def check_change_finding(
    user: Any, finding: Finding, *, status: str | None = None, comment: str = ""
) -> Finding:
    """A person sets a finding's status and/or comments on it (remediation tracking)."""
    if not Finding.objects.restrict(user, "change").filter(pk=finding.pk).exists():
        raise PermissionDenied(_("You may not change this finding."))
    comment = (comment or "").strip()
    if status is not None and status not in SETTABLE_STATUSES:
        raise ValidationError({"status": _("Choose one of the statuses a person may set.")})
    if len(comment) > 5000:
        raise ValidationError({"comment": _("A comment is at most 5000 characters long.")})
    if status is None and not comment:
        raise ValidationError({"status": _("Change the status or write a comment.")})
    return do_change_finding(finding, actor=user, status=status, comment=comment)


def do_change_finding(
    finding: Finding, *, actor: Any, status: str | None = None, comment: str = ""
) -> Finding:
    with transaction.atomic():
        locked = Finding.objects.select_for_update().get(pk=finding.pk)
        old = locked.status
        changed = status is not None and status != old
        if changed:
            locked.status = status  # type: ignore[assignment]
            locked.status_changed_at = timezone.now()
            locked.save(update_fields=["status", "status_changed_at", "updated_at"])
        if changed or comment:
            FindingChange.objects.create(
                finding=locked,
                actor=actor,
                old_status=old if changed else "",
                new_status=locked.status if changed else "",
                comment=comment,
            )
    return locked


# --- The exposure panel -------------------------------------------------------------------------


def exposure_panel_context(
    user: Any,
    *,
    vulnerability: Vulnerability | None = None,
    products: Iterable[Any] | None = None,
) -> dict[str, Any]:
    """The context of ``exposures/_exposure_panel.html``: which constituents run the products (of
    ``vulnerability`` or the given ones), which items, how sure, and the finding's status.

    Only organizations whose findings the user may see are listed (a constituent sees itself)."""
    from siaga.exposures.matching import match_products

    if products is None:
        products = (
            list(vulnerability.affected_products.filter(status=ProductStatus.AFFECTED))
            if vulnerability is not None
            else []
        )
    product_list = list(products)
    grant = principal_for(user).scopes("finding.view")
    may_view = bool(grant)
    items_scope = None
    if may_view and not grant.all:
        from siaga.exposures.matching import active_inventory

        items_scope = active_inventory().filter(organization_id__in=grant.org_ids)
    matches = match_products(product_list, items_scope) if may_view and product_list else []
    statuses: dict[int, Finding] = {}
    if vulnerability is not None and matches:
        for finding in Finding.objects.restrict(user, "view").filter(
            vulnerability=vulnerability, inventory_item_id__in={m.item.pk for m in matches}
        ):
            statuses[finding.inventory_item_id] = finding  # type: ignore[index]
    rows: dict[int, dict[str, Any]] = {}
    seen: set[int] = set()
    organizations = Organization.objects.in_bulk({m.item.organization_id for m in matches})
    for match in sorted(matches, key=lambda m: (m.certainty != Certainty.VERSION, m.item.pk)):
        if match.item.pk in seen:
            continue
        seen.add(match.item.pk)
        entry = rows.setdefault(
            match.item.organization_id,
            {"organization": organizations[match.item.organization_id], "items": []},
        )
        entry["items"].append(
            {
                "item": match.item,
                "certainty": match.certainty,
                "product": match.product,
                "finding": statuses.get(match.item.pk),
            }
        )
    ordered = sorted(rows.values(), key=lambda row: row["organization"].name.lower())
    return {
        "exposure_rows": ordered,
        "exposure_may_view": may_view,
        "exposure_organization_count": len(ordered),
        "exposure_item_count": len(seen),
    }


def finding_filter_q(
    *,
    organization: int | None = None,
    kev: bool | None = None,
    status: str | None = None,
    overdue: bool | None = None,
    cve: str | None = None,
) -> Q:
    q = Q()
    if organization:
        q &= Q(organization_id=organization)
    if kev is not None:
        q &= Q(in_kev=kev)
    if status:
        q &= Q(status=status)
    if overdue is not None:
        late = Q(status__in=list(OPEN_STATUSES), due_date__lt=timezone.localdate())
        q &= late if overdue else ~late
    if cve:
        q &= Q(vulnerability__cve_id__iexact=cve.strip())
    return q
