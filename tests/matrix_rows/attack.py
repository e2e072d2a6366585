"""Permission-matrix rows of the ATT&CK technique list: public reference data, read by everyone
signed in (no role needed, no permission row: nothing here is written through the web or API)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from siaga.attack.models import Technique
from siaga.core.testing import Personas
from tests.matrix_base import EVERYONE_SIGNED_IN, Operation, Page


def rows(personas: Personas) -> dict[str, Any]:
    technique = Technique.objects.create(
        attack_id="T1566",
        name="Phishing",
        domain="enterprise",
        stix_id="attack-pattern--a62a8db3-f23a-4d8f-afd6-9dbc77e7813b",
        modified=datetime(2025, 4, 15, tzinfo=UTC),
    )
    return {"attack_id": technique.attack_id}


PAGES = [
    Page("attack:technique-list", EVERYONE_SIGNED_IN),
    Page("attack:technique-suggest", EVERYONE_SIGNED_IN, data={"q": "phish"}),
]

OPERATIONS = [
    Operation("get", "/api/v1/attack/techniques", EVERYONE_SIGNED_IN),
    Operation(
        "get",
        "/api/v1/attack/techniques/{attack_id}",
        EVERYONE_SIGNED_IN,
        params=lambda w: {"attack_id": w.extra["attack_id"]},
    ),
]
