"""The demo loads the shared lists when they are there, and nothing otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from siaga.warninglists.demo import SHARED_WARNINGLISTS, load_shared_warninglists
from siaga.warninglists.models import Warninglist

pytestmark = pytest.mark.django_db


def test_nothing_to_load_without_the_directory(tmp_path: Path) -> None:
    assert load_shared_warninglists(tmp_path / "absent") == []
    assert not Warninglist.objects.exists()


def test_the_demo_points_at_the_shared_data() -> None:
    assert SHARED_WARNINGLISTS.parts[-3:] == ("shared", "data", "warninglists")
    if not SHARED_WARNINGLISTS.is_dir():
        pytest.skip("needs ../shared/data/warninglists (absent in a user's clone)")
    results = load_shared_warninglists()
    assert len(results) == Warninglist.objects.count() >= 12
    assert load_shared_warninglists()[0].outcome == "unchanged"
