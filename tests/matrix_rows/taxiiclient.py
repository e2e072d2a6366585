"""Permission-matrix rows of the TAXII client (remote collections hold partners' credentials)."""

from __future__ import annotations

from typing import Any

from siaga.core.testing import Personas
from siaga.integrations.taxiiclient.models import RemoteCollection
from siaga.sharing.choices import TLP, Distribution
from tests.matrix_base import EVERYONE_SIGNED_IN, Operation, Page

MANAGES_REMOTES = frozenset({"cert_admin", "cert_lead"})


def rows(personas: Personas) -> dict[str, Any]:
    def remote(name: str) -> int:
        made = RemoteCollection(
            name=name,
            api_root_url="https://taxii.partner.example/api/",
            collection_id="91a7b528-80eb-42ed-a74d-c6fbd5a26116",
            username="siaga",
            source_organization=personas.orgs.agency,
            tlp=TLP.GREEN,
            distribution=Distribution.CONSTITUENTS,
        )
        made.set_secret("partner-password")
        made.save()
        return made.pk

    return {"remote_id": remote("Partner"), "doomed_remote_id": remote("Old partner")}


def _edit_form(w: Any) -> dict[str, Any]:
    return {
        "name": "Partner",
        "api_root_url": "https://taxii.partner.example/api/",
        "collection_id": "91a7b528-80eb-42ed-a74d-c6fbd5a26116",
        "auth_kind": "basic",
        "username": "siaga",
        "verify_tls": "on",
        "page_size": "1000",
        "pull_enabled": "on",
        "pull_every_minutes": "60",
        "source_organization": w.personas.orgs.agency.pk,
        "tlp": "green",
        "distribution": "constituents",
    }


PAGES = [
    Page("taxiiclient:remote-list", MANAGES_REMOTES),
    Page("taxiiclient:remote-create", MANAGES_REMOTES),
    Page(
        "taxiiclient:remote-edit",
        MANAGES_REMOTES,
        "post",
        lambda w: [w.extra["remote_id"]],
        data=_edit_form,
    ),
    Page("taxiiclient:remote-sync", MANAGES_REMOTES, "post", lambda w: [w.extra["remote_id"]]),
    Page(
        "taxiiclient:remote-delete",
        MANAGES_REMOTES,
        "post",
        lambda w: [w.extra["doomed_remote_id"]],
    ),
]

OPERATIONS = [
    Operation(
        "get",
        "/api/v1/taxii-remotes",
        EVERYONE_SIGNED_IN,
        empty_for=EVERYONE_SIGNED_IN - MANAGES_REMOTES,
    ),
    Operation(
        "get", "/api/v1/taxii-remotes/{id}", MANAGES_REMOTES, lambda w: {"id": w.extra["remote_id"]}
    ),
    Operation(
        "post",
        "/api/v1/taxii-remotes/{id}/sync",
        MANAGES_REMOTES,
        lambda w: {"id": w.extra["remote_id"]},
    ),
]
