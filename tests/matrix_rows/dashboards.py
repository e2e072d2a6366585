"""Permission-matrix rows of the dashboards: the sector dashboard for holders of
``dashboard.view_sector`` (the CERT, the coordination group, auditors); a constituent's own
dashboard for the members of a constituent."""

from __future__ import annotations

from typing import Any

from siaga.core.testing import Personas
from tests.matrix_base import CERT_STAFF, Operation, Page

SECTOR = CERT_STAFF | {"coord_member", "auditor"}
CONSTITUENT_MEMBERS = frozenset({"constituent_admin", "constituent_reporter", "other_reporter"})


def rows(personas: Personas) -> dict[str, Any]:
    return {}


PAGES = [
    Page("dashboards:sector", SECTOR),
    Page("dashboards:mine", CONSTITUENT_MEMBERS),
]

OPERATIONS = [
    Operation("get", "/api/v1/dashboards/sector", SECTOR),
    Operation("get", "/api/v1/dashboards/mine", CONSTITUENT_MEMBERS),
]
