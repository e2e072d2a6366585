"""Permission-matrix rows of the correlation app: everyone signed in may look a value up; what
they see is scoped (tested in siaga/correlation/tests)."""

from __future__ import annotations

from typing import Any

from siaga.core.testing import Personas
from tests.matrix_base import EVERYONE_SIGNED_IN, Operation, Page


def rows(personas: Personas) -> dict[str, Any]:
    return {}


PAGES = [
    Page("correlation:value", EVERYONE_SIGNED_IN),
    Page(
        "correlation:value",
        EVERYONE_SIGNED_IN,
        data={"type": "ip", "value": "192.0.2.1"},
    ),
]

OPERATIONS = [
    Operation("get", "/api/v1/correlations", EVERYONE_SIGNED_IN, query="?type=ip&value=192.0.2.1"),
]
