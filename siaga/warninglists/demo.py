"""Demo data: the public MISP warninglists shipped in ``../shared/data/warninglists``."""

from __future__ import annotations

from pathlib import Path

from siaga.warninglists.loader import LoadResult, load_directory

SHARED_WARNINGLISTS = (
    Path(__file__).resolve().parents[2].parent / "shared" / "data" / "warninglists"
)


def load_shared_warninglists(directory: Path = SHARED_WARNINGLISTS) -> list[LoadResult]:
    """Load the shared lists if they are there (a user's clone has no ../shared); [] otherwise."""
    if not directory.is_dir():
        return []
    return load_directory(directory)
