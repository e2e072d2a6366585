"""Template context shared by every page: the navigation and the signed-in user's principal."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

# The areas of the platform, in the order an analyst works through them. Areas whose issue has not
# landed yet are listed as planned so the layout does not move when they arrive.
AREAS = [
    ("incidents", _("Incidents"), None),
    ("intelligence", _("Intelligence"), None),
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
    context: dict[str, Any] = {"nav_areas": AREAS, "oidc_enabled": settings.SIAGA_OIDC_ENABLED}
    if user is not None and user.is_authenticated:
        from siaga.accounts.roles import principal_for

        principal = principal_for(user)
        context["principal"] = principal
        context["can_view_audit"] = principal.has_perm("audit.view")
        context["can_view_all_orgs"] = principal.scopes("organization.view").all
    return context
