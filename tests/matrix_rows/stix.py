"""Permission-matrix rows of the STIX store's import side (siaga.stix): the import page, the
object pages, ``POST /stix/imports`` and ``/stix/objects``.

Two stored objects: the CERT's TLP:GREEN indicator shared with all constituents (everyone in an
organization sees it) and its TLP:AMBER one kept in the CERT (its staff and auditor only)."""

from __future__ import annotations

from typing import Any

from siaga.core.testing import Personas
from siaga.stix.importer import SharingLabels, import_objects
from siaga.stix.models import StixObject
from tests.matrix_base import CERT_STAFF, IN_AN_ORGANIZATION, Operation, Page

# stixobject.add: the CERT's staff, the agencies and the constituents' admins (own organization).
IMPORTERS = CERT_STAFF | {"coord_member", "constituent_admin"}
SEES_CERT_ONLY = CERT_STAFF | {"auditor"}

GREEN_ID = "indicator--0a7f1b4e-5a2b-4c1d-9e8f-7a6b5c4d3e21"
AMBER_ID = "indicator--0a7f1b4e-5a2b-4c1d-9e8f-7a6b5c4d3e22"


def _indicator(stix_id: str) -> dict[str, Any]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": stix_id,
        "created": "2024-01-01T00:00:00.000Z",
        "modified": "2024-01-01T00:00:00.000Z",
        "pattern": "[domain-name:value = 'matrix.example']",
        "pattern_type": "stix",
        "valid_from": "2024-01-01T00:00:00Z",
    }


def rows(personas: Personas) -> dict[str, Any]:
    cert = personas.orgs.cert
    for stix_id, tlp, distribution in (
        (GREEN_ID, "green", "constituents"),
        (AMBER_ID, "amber", "organization"),
    ):
        labels = SharingLabels(cert, tlp, distribution, created_by=personas.cert_analyst)
        import_objects([_indicator(stix_id)], labels, source="matrix")
    return {
        "stix_green_id": StixObject.objects.get(stix_id=GREEN_ID).pk,
        "stix_amber_id": StixObject.objects.get(stix_id=AMBER_ID).pk,
    }


PAGES = [
    Page("stix:import", IMPORTERS),
    Page("stix:object-list", IN_AN_ORGANIZATION),
    Page("stix:object-detail", IN_AN_ORGANIZATION, args=lambda w: [w.extra["stix_green_id"]]),
    Page("stix:object-detail", SEES_CERT_ONLY, args=lambda w: [w.extra["stix_amber_id"]]),
]

OPERATIONS = [
    Operation(
        "post",
        "/api/v1/stix/imports",
        IMPORTERS,
        body={"type": "bundle", "id": "bundle--1", "objects": [_indicator(GREEN_ID)]},
    ),
    Operation("get", "/api/v1/stix/objects", IN_AN_ORGANIZATION),
    Operation(
        "get",
        "/api/v1/stix/objects/{id}",
        IN_AN_ORGANIZATION,
        lambda w: {"id": w.extra["stix_green_id"]},
    ),
    Operation(
        "get",
        "/api/v1/stix/objects/{id}",
        SEES_CERT_ONLY,
        lambda w: {"id": w.extra["stix_amber_id"]},
    ),
]
