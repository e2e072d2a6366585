"""Permission-matrix rows of sharing groups: the CERT's staff manage, members read."""

from __future__ import annotations

from typing import Any

from siaga.core.testing import Personas
from siaga.sharing.actions import check_create_group
from tests.matrix_base import CERT_STAFF, EVERYONE_SIGNED_IN, Operation, Page

# The group has the CERT (owner) and the hospital as members.
SEES_GROUP = CERT_STAFF | {"auditor", "constituent_admin", "constituent_reporter"}


def rows(personas: Personas) -> dict[str, Any]:
    group = check_create_group(
        personas.cert_admin,
        {"name": "Matrix hospitals", "members": [personas.orgs.hospital]},
    )
    return {
        "sharing_group_id": group.pk,
        "sharing_hospital_id": personas.orgs.hospital.pk,
        "sharing_agency_id": personas.orgs.agency.pk,
    }


def _group(w: Any) -> list[Any]:
    return [w.extra["sharing_group_id"]]


PAGES = [
    Page("sharing:group-list", EVERYONE_SIGNED_IN),
    Page("sharing:group-create", CERT_STAFF),
    Page("sharing:group-detail", SEES_GROUP, args=_group),
    Page("sharing:group-edit", CERT_STAFF, args=_group),
    Page(
        "sharing:group-deactivate",
        CERT_STAFF,
        method="post",
        args=_group,
    ),
    Page(
        "sharing:member-add",
        CERT_STAFF,
        method="post",
        args=_group,
        data=lambda w: {"organization": w.extra["sharing_agency_id"]},
    ),
    Page(
        "sharing:member-remove",
        CERT_STAFF,
        method="post",
        args=lambda w: [w.extra["sharing_group_id"], w.extra["sharing_hospital_id"]],
    ),
]

OPERATIONS = [
    # Everyone may list; an outsider belongs to no organization and so to no group.
    Operation(
        "get", "/api/v1/sharing-groups", EVERYONE_SIGNED_IN, empty_for=frozenset({"outsider"})
    ),
    Operation(
        "post",
        "/api/v1/sharing-groups",
        CERT_STAFF,
        body={"name": "Matrix new group", "description": "made by the matrix"},
    ),
    Operation(
        "get",
        "/api/v1/sharing-groups/{id}",
        SEES_GROUP,
        params=lambda w: {"id": w.extra["sharing_group_id"]},
    ),
    Operation(
        "patch",
        "/api/v1/sharing-groups/{id}",
        CERT_STAFF,
        params=lambda w: {"id": w.extra["sharing_group_id"]},
        body={"description": "changed by the matrix"},
    ),
    Operation(
        "post",
        "/api/v1/sharing-groups/{id}/members",
        CERT_STAFF,
        params=lambda w: {"id": w.extra["sharing_group_id"]},
        body=lambda w: {"organization_id": w.extra["sharing_agency_id"]},
    ),
    Operation(
        "delete",
        "/api/v1/sharing-groups/{id}/members/{org_id}",
        CERT_STAFF,
        params=lambda w: {
            "id": w.extra["sharing_group_id"],
            "org_id": w.extra["sharing_hospital_id"],
        },
    ),
]
