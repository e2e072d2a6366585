"""Root URL map: one include per app, the API, health, language switching and static files."""

from django.conf import settings
from django.urls import include, path

from siaga.accounts.views import switch_language
from siaga.api import api
from siaga.core.views import health

urlpatterns = [
    path("health/", health, name="health"),
    path("i18n/setlang/", switch_language, name="set_language"),
    path("api/v1/", api.urls),
    path("accounts/", include("siaga.accounts.urls")),
    path("organizations/", include("siaga.organizations.urls")),
    path("constituents/", include("siaga.constituents.urls")),
    path("incidents/", include("siaga.incidents.urls")),
    path("notifications/", include("siaga.notifications.urls")),
    path("evidence/", include("siaga.evidence.urls")),
    path("jobs/", include("siaga.jobs.urls")),
    path("audit/", include("siaga.audit.urls")),
    path("sharing/", include("siaga.sharing.urls")),
    path("intel/", include("siaga.intel.urls")),
    path("stix/", include("siaga.stix.urls")),
    path("taxii2/", include("siaga.taxii.urls")),
    path("warninglists/", include("siaga.warninglists.urls")),
    path("correlation/", include("siaga.correlation.urls")),
    path("attack/", include("siaga.attack.urls")),
    path("misp/", include("siaga.integrations.misp.urls")),
    path("taxii-remotes/", include("siaga.integrations.taxiiclient.urls")),
    path("feeds/", include("siaga.feeds.urls")),
    path("events/", include("siaga.events.urls")),
    path("digests/", include("siaga.digests.urls")),
    path("vulnerabilities/", include("siaga.vulns.urls")),
    path("exposures/", include("siaga.exposures.urls")),
    path("advisories/", include("siaga.advisories.urls")),
    path("assessments/", include("siaga.assessments.urls")),
    path("risks/", include("siaga.risks.urls")),
    path("governance/", include("siaga.governance.urls")),
    path("dashboards/", include("siaga.dashboards.urls")),
    path("sector-reports/", include("siaga.reports.urls")),
    # Public TLP:CLEAR advisories: their pages, RSS/Atom feeds and the CSAF provider directory
    # (/.well-known/csaf/provider-metadata.json) that CSAF tools pull.
    path("", include("siaga.advisories.urls_public")),
    path("", include("siaga.core.urls")),
]

# Errors Django answers before any view: problem documents under /api/ (siaga.core.views).
handler400 = "siaga.core.views.bad_request"
handler500 = "siaga.core.views.server_error"

if settings.SIAGA_OIDC_ENABLED:
    urlpatterns.insert(0, path("oidc/", include("mozilla_django_oidc.urls")))
