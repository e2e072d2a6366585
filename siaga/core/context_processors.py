"""Template context shared by every page: the navigation and the signed-in user's principal."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# The areas of the platform, in the order an analyst works through them, with the URL name of
# each area's first page. Areas whose issue has not landed yet are listed as planned (no URL) so
# the layout does not move when they arrive.
AREAS = [
    ("incidents", _("Incidents"), "incidents:list"),
    ("reports", _("Reports"), "incidents:report-list"),
    ("clocks", _("Legal clocks"), "incidents:clocks"),
    ("constituents", _("Constituents"), "constituents:list"),
    ("intelligence", _("Intelligence"), None),
    ("sharing", _("Sharing groups"), "sharing:group-list"),
    ("attack", _("ATT&CK techniques"), "attack:technique-list"),
    ("feeds", _("Feeds"), None),
    ("advisories", _("Advisories"), None),
    ("vulnerabilities", _("Vulnerabilities"), None),
    ("assessments", _("Assessments"), None),
    ("risks", _("Risks"), None),
    ("governance", _("Coordination group"), None),
    ("dashboards", _("Dashboards"), None),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    areas = [(slug, label, reverse(name) if name else None) for slug, label, name in AREAS]
    context: dict[str, Any] = {"nav_areas": areas, "oidc_enabled": settings.SIAGA_OIDC_ENABLED}
    if user is not None and user.is_authenticated:
        from siaga.accounts.roles import principal_for

        principal = principal_for(user)
        context["principal"] = principal
        context["can_view_audit"] = principal.has_perm("audit.view")
        context["can_view_all_orgs"] = principal.scopes("organization.view").all
        context["can_review_assets"] = principal.has_perm("networkasset.review")
        context["can_lookup_owners"] = principal.has_perm("networkasset.lookup")
        context["can_view_webhooks"] = principal.has_perm("webhook.view")
        context["can_view_deliveries"] = principal.has_perm("delivery.view")
    return context
