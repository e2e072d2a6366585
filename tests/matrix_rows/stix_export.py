"""Permission-matrix rows of the STIX export (siaga.stix: ``export_actions``, ``views.exports``,
``api.exports``): the export page, an incident's STIX download, and the three export operations.

What may be exported is what the user sees, given the export permission of that kind of object:
``indicator.export`` and ``stixobject.export`` (the CERT's staff, the agencies, the constituents'
admins) and ``incident.export`` (the CERT's staff and the auditor). The incident of the world
affects the hospital, whose admin sees it but may not export it (403)."""

from __future__ import annotations

from typing import Any

from siaga.core.testing import Personas
from tests.matrix_base import CERT_STAFF, Operation, Page

EXPORTS_INTEL = CERT_STAFF | {"coord_member", "constituent_admin"}
EXPORTS_INCIDENTS = CERT_STAFF | {"auditor"}


def rows(personas: Personas) -> dict[str, Any]:
    return {}


PAGES = [
    Page("stix:export", EXPORTS_INTEL | EXPORTS_INCIDENTS),
    Page("stix:incident-export", EXPORTS_INCIDENTS, args=lambda w: [w.incident_id]),
]

OPERATIONS = [
    Operation("get", "/api/v1/stix/export/indicators", EXPORTS_INTEL),
    Operation("get", "/api/v1/stix/export/objects", EXPORTS_INTEL, query="?type=indicator"),
    Operation(
        "get",
        "/api/v1/incidents/{incident_id}/stix",
        EXPORTS_INCIDENTS,
        params=lambda w: {"incident_id": w.incident_id},
    ),
]
