"""Fixtures of the incidents tests: reports and incidents made through the actions."""

from __future__ import annotations

from typing import Any

import pytest

from siaga.incidents.actions import check_create_incident, check_submit_report
from siaga.incidents.choices import Channel


@pytest.fixture
def make_report(personas: Any) -> Any:
    def make(user: Any = None, **fields: Any) -> Any:
        user = user or personas.constituent_reporter
        data = {"title": "Ransom note on a server", "description": "Files were encrypted."}
        data.update(fields)
        return check_submit_report(
            user,
            data,
            organization=None,
            channel=Channel.WEB,
            raw={"title": data["title"]},
        )

    return make


@pytest.fixture
def make_incident(personas: Any) -> Any:
    def make(**fields: Any) -> Any:
        data: dict[str, Any] = {"title": "Ransomware at a hospital"}
        data.update(fields)
        return check_create_incident(personas.cert_analyst, data)

    return make
