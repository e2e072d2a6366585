"""Fixtures of the registry's tests: a fresh ownership index per test, and asset helpers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation

from siaga.constituents import lookup
from siaga.constituents.choices import AssetStatus
from siaga.constituents.models import NetworkAsset


@pytest.fixture(autouse=True)
def fresh_index() -> Iterator[None]:
    # The snapshot lives for the whole process; each test has its own database.
    lookup.forget_index()
    with translation.override("en"):  # messages asserted in English, as the client reads them
        yield
    lookup.forget_index()


def make_asset(
    organization: Any, kind: str, value: str, status: str = AssetStatus.APPROVED
) -> NetworkAsset:
    asset = NetworkAsset(organization=organization, kind=kind, value=value, status=status)
    asset.full_clean()
    asset.save()
    return asset
