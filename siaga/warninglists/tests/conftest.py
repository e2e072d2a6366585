"""Fixtures of the warninglist tests: a fresh matcher snapshot per test, list helpers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from siaga.warninglists import matching

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
SHARED_LISTS = DATA / "warninglists"


def shared_list_files() -> list[Path]:
    return sorted(SHARED_LISTS.glob("*/list.json")) if SHARED_LISTS.is_dir() else []


def need_shared_lists() -> None:
    if not shared_list_files():
        pytest.skip("needs ../shared/data/warninglists (absent in a user's clone)")


def make_list(
    name: str = "Test list",
    type: str = "string",
    values: list[str] | None = None,
    version: int = 1,
    matching_attributes: list[str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    data = {
        "name": name,
        "version": version,
        "description": f"{name} for tests",
        "type": type,
        "list": values if values is not None else ["example.org"],
        "matching_attributes": matching_attributes or [],
    }
    data.update(extra)
    return data


@pytest.fixture(autouse=True)
def fresh_index() -> Iterator[None]:
    # The snapshot lives for the whole process; each test has its own database.
    matching.forget_index()
    with translation.override("en"):
        yield
    matching.forget_index()
