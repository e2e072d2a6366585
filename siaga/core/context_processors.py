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
    ("intelligence", _("Intelligence"), "intel:indicator-list"),
    ("feeds", _("Feeds"), "events:list"),
    ("advisories", _("Advisories"), "advisories:list"),
    ("vulnerabilities", _("Vulnerabilities"), "vulns:list"),
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
        context["intel_nav"] = intel_navigation(principal)
        context["feeds_nav"] = feeds_navigation(principal)
    return context


def intel_navigation(principal: Any) -> list[tuple[str, Any, str]]:
    """The pages of the intelligence area this user may open: (slug, label, URL)."""
    pages = [
        ("indicators", _("Indicators"), "intel:indicator-list", "indicator.view"),
        ("stix", _("STIX objects"), "stix:object-list", "stixobject.view"),
        ("stix-import", _("Import STIX"), "stix:import", "stixobject.add"),
        ("stix-export", _("Export STIX"), "stix:export", "indicator.export"),
        ("misp-import", _("Import from MISP"), "misp:import", "indicator.add"),
        ("misp-feeds", _("MISP feeds"), "misp:feed-list", "mispfeed.view"),
        ("taxii", _("TAXII collections"), "taxii:collection-list", "collection.view"),
        (
            "taxii-remotes",
            _("Remote TAXII collections"),
            "taxiiclient:remote-list",
            "remotecollection.view",
        ),
        ("sharing", _("Sharing groups"), "sharing:group-list", "sharinggroup.view"),
        ("warninglists", _("Warninglists"), "warninglists:list", "warninglist.view"),
        ("attack", _("ATT&CK techniques"), "attack:technique-list", None),
    ]
    return [
        (slug, label, reverse(url_name))
        for slug, label, url_name, permission in pages
        if permission is None or principal.has_perm(permission)
    ]


def feeds_navigation(principal: Any) -> list[tuple[str, Any, str]]:
    """The pages of the feeds area this user may open: (slug, label, URL)."""
    pages = [
        ("events", _("Events"), "events:list", "event.view"),
        ("statistics", _("Sector statistics"), "events:statistics", "feedreport.view"),
        ("reports", _("Feed reports"), "feeds:report-list", "feedreport.view"),
        ("upload", _("Hand in a report"), "feeds:report-upload", "feedreport.add"),
        ("feeds", _("Feeds"), "feeds:feed-list", "feed.view"),
        ("digests", _("Digests"), "digests:list", "digest.view"),
    ]
    return [
        (slug, label, reverse(url_name))
        for slug, label, url_name, permission in pages
        if principal.has_perm(permission)
    ]
