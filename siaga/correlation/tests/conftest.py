"""Fixtures of the correlation tests: incidents of two hospitals, made through the actions."""

from __future__ import annotations

from typing import Any

import pytest

from siaga.incidents.actions import check_create_incident


@pytest.fixture
def make_incident(personas: Any) -> Any:
    def make(title: str, organization: Any) -> Any:
        return check_create_incident(
            personas.cert_analyst, {"title": title, "affected_constituents": [organization]}
        )

    return make


@pytest.fixture
def small_cap(settings: Any) -> int:
    settings.SIAGA_CORRELATION_MAX_PER_VALUE = 3
    return 3
