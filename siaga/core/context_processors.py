"""Template context shared by every page: the navigation and the signed-in user's principal."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# The areas of the platform, in the order an analyst works through them: (slug, label, the URL
# name of the area's first page, the permission that page needs — None: everyone signed in). An
# area whose first page the user may not open is left out of their navigation. The dashboards open
# on the sector view for those who may see it and on the user's own organization's otherwise.
AREAS: list[tuple[str, Any, str, str | None]] = [
    ("incidents", _("Incidents"), "incidents:list", None),
    ("reports", _("Reports"), "incidents:report-list", None),
    ("clocks", _("Legal clocks"), "incidents:clocks", None),
    ("constituents", _("Constituents"), "constituents:list", None),
    ("intelligence", _("Intelligence"), "intel:indicator-list", None),
    ("feeds", _("Feeds"), "events:list", None),
    ("advisories", _("Advisories"), "advisories:list", None),
    ("vulnerabilities", _("Vulnerabilities"), "vulns:list", None),
    ("assessments", _("Assessments"), "assessments:index", None),
    ("risks", _("Risks"), "risks:list", None),
    ("governance", _("Coordination group"), "governance:group", "meeting.view"),
    ("dashboards", _("Dashboards"), "dashboards:sector", "dashboard.view_sector"),
    ("dashboards", _("Dashboards"), "dashboards:mine", None),
    ("sector-reports", _("Sector reports"), "reports:list", "sectorreport.view"),
]


def navigation_areas(principal: Any) -> list[tuple[str, Any, str]]:
    """The areas this user may open: (slug, label, URL), one entry per slug."""
    areas: list[tuple[str, Any, str]] = []
    seen: set[str] = set()
    for slug, label, name, permission in AREAS:
        if slug in seen or (permission and not principal.has_perm(permission)):
            continue
        seen.add(slug)
        areas.append((slug, label, reverse(name)))
    return areas


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    context: dict[str, Any] = {"nav_areas": [], "oidc_enabled": settings.SIAGA_OIDC_ENABLED}
    if user is not None and user.is_authenticated:
        from siaga.accounts.roles import principal_for

        principal = principal_for(user)
        context["principal"] = principal
        context["nav_areas"] = navigation_areas(principal)
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
