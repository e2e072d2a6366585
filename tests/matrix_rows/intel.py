"""Permission-matrix rows of the indicator store (siaga.intel): pages and /api/v1/indicators.

Three indicators: the CERT's TLP:GREEN one shared with all constituents (everyone in an
organization sees it), the CERT's TLP:AMBER one kept in the CERT (its staff change and delete it,
the auditor only reads it), and the hospital's TLP:AMBER one (only the hospital sees it; its admin
changes it)."""

from __future__ import annotations

from typing import Any

from siaga.core.testing import Personas
from siaga.intel.actions import IndicatorInput, do_upsert_indicators
from siaga.intel.choices import SourceKind
from tests.matrix_base import CERT_STAFF, EVERYONE_SIGNED_IN, IN_AN_ORGANIZATION, Operation, Page

# Who may add indicators: the CERT's staff, agencies and constituent admins (for their own org).
ADDS_INDICATORS = CERT_STAFF | {"coord_member", "constituent_admin"}
HOSPITAL_MEMBERS = frozenset({"constituent_admin", "constituent_reporter"})


def _indicator(personas: Personas, value: str, organization: Any, user: Any, **labels: Any) -> int:
    result = do_upsert_indicators(
        [IndicatorInput(type="ip", value=value)],
        organization=organization,
        created_by=user,
        source_kind=SourceKind.MANUAL,
        **labels,
    )
    return result.ids[0]


def rows(personas: Personas) -> dict[str, Any]:
    cert, hospital = personas.orgs.cert, personas.orgs.hospital
    return {
        "intel_green_id": _indicator(
            personas,
            "198.51.100.1",
            cert,
            personas.cert_analyst,
            tlp="green",
            distribution="constituents",
        ),
        "intel_cert_id": _indicator(
            personas,
            "198.51.100.2",
            cert,
            personas.cert_analyst,
            tlp="amber",
            distribution="organization",
        ),
        "intel_hospital_id": _indicator(
            personas,
            "198.51.100.3",
            hospital,
            personas.constituent_admin,
            tlp="amber",
            distribution="organization",
        ),
    }


def _green(w: Any) -> list[Any]:
    return [w.extra["intel_green_id"]]


def _cert(w: Any) -> list[Any]:
    return [w.extra["intel_cert_id"]]


def _hospital(w: Any) -> list[Any]:
    return [w.extra["intel_hospital_id"]]


NEW_INDICATOR = {
    "type": "ip",
    "value": "198.51.100.200",
    "tlp": "amber",
    "distribution": "organization",
    "confidence": 50,
}

PAGES = [
    Page("intel:indicator-list", EVERYONE_SIGNED_IN),
    Page("intel:indicator-create", ADDS_INDICATORS),
    Page("intel:indicator-create", ADDS_INDICATORS, method="post", data=NEW_INDICATOR),
    Page("intel:bulk-add", ADDS_INDICATORS),
    Page(
        "intel:bulk-add",
        ADDS_INDICATORS,
        method="post",
        data={
            "values": "198.51.100.201\nevil.example",
            "tlp": "amber",
            "distribution": "organization",
            "confidence": 50,
        },
    ),
    Page("intel:indicator-detail", IN_AN_ORGANIZATION, args=_green),
    Page("intel:indicator-detail", HOSPITAL_MEMBERS, args=_hospital),
    Page("intel:indicator-detail", CERT_STAFF | {"auditor"}, args=_cert),
    Page("intel:indicator-edit", CERT_STAFF, args=_cert),
    Page("intel:indicator-edit", frozenset({"constituent_admin"}), args=_hospital),
    Page("intel:indicator-delete", CERT_STAFF, method="post", args=_cert),
    Page(
        "intel:sighting-create", IN_AN_ORGANIZATION, method="post", args=_green, data={"count": 1}
    ),
    Page(
        "intel:sighting-create", HOSPITAL_MEMBERS, method="post", args=_hospital, data={"count": 1}
    ),
]


def _id(key: str) -> Any:
    return lambda w: {"id": w.extra[key]}


OPERATIONS = [
    Operation("get", "/api/v1/indicators", EVERYONE_SIGNED_IN, empty_for=frozenset({"outsider"})),
    Operation(
        "post",
        "/api/v1/indicators",
        ADDS_INDICATORS,
        body={"type": "ip", "value": "198.51.100.210"},
    ),
    Operation(
        "post",
        "/api/v1/indicators/bulk",
        ADDS_INDICATORS,
        body={"items": [{"type": "ip", "value": "198.51.100.211"}]},
    ),
    Operation("get", "/api/v1/indicators/{id}", IN_AN_ORGANIZATION, _id("intel_green_id")),
    Operation(
        "patch",
        "/api/v1/indicators/{id}",
        CERT_STAFF,
        _id("intel_cert_id"),
        body={"confidence": 10},
    ),
    Operation("delete", "/api/v1/indicators/{id}", CERT_STAFF, _id("intel_cert_id")),
    Operation(
        "get", "/api/v1/indicators/{id}/sightings", IN_AN_ORGANIZATION, _id("intel_green_id")
    ),
    Operation(
        "post",
        "/api/v1/indicators/{id}/sightings",
        IN_AN_ORGANIZATION,
        _id("intel_green_id"),
        body={"count": 1},
    ),
]
