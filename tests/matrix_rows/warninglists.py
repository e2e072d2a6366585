"""Permission-matrix rows of the warninglists: everyone in an organization reads and checks, the
CERT's staff upload and enable/disable."""

from __future__ import annotations

from typing import Any

from siaga.core.testing import Personas
from siaga.warninglists.loader import load_warninglist
from tests.matrix_base import CERT_STAFF, IN_AN_ORGANIZATION, Operation, Page


def rows(personas: Personas) -> dict[str, Any]:
    listed = load_warninglist(
        {
            "name": "Matrix private networks",
            "version": 1,
            "description": "RFC 1918",
            "type": "cidr",
            "list": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"],
            "matching_attributes": ["ip-src", "ip-dst"],
        }
    )
    return {"warninglist_id": listed.pk}


def _list(w: Any) -> list[Any]:
    return [w.extra["warninglist_id"]]


PAGES = [
    Page("warninglists:list", IN_AN_ORGANIZATION),
    Page("warninglists:detail", IN_AN_ORGANIZATION, args=_list),
    # "enabled": "1" keeps the list enabled, so the rows after this one see the same world.
    Page("warninglists:toggle", CERT_STAFF, method="post", args=_list, data={"enabled": "1"}),
    Page("warninglists:upload", CERT_STAFF),
    Page("warninglists:check", IN_AN_ORGANIZATION, data={"type": "ip", "value": "10.0.0.1"}),
]

OPERATIONS = [
    Operation("get", "/api/v1/warninglists", IN_AN_ORGANIZATION),
    Operation(
        "get",
        "/api/v1/warninglists/{id}",
        IN_AN_ORGANIZATION,
        params=lambda w: {"id": w.extra["warninglist_id"]},
    ),
    Operation(
        "post",
        "/api/v1/warninglists/check",
        IN_AN_ORGANIZATION,
        body={"type": "ip", "value": "10.0.0.1"},
    ),
]
