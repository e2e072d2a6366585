"""Shared test fixtures: the personas every test module speaks of (see siaga/core/testing.py)."""

from __future__ import annotations

import pytest

from siaga.core.testing import *  # noqa: F403

DATABASE_FIXTURES = {
    "db",
    "transactional_db",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="Run only the tests that use the database (CI's second run, on PostgreSQL: the others "
        "were run on SQLite and cannot touch the database, so they would only repeat themselves).",
    )
    parser.addoption(
        "--database-free-tests-only",
        action="store_true",
        help="Run only the tests that do not use the database (the complement, to time them).",
    )


def uses_database(item: pytest.Item) -> bool:
    """pytest-django refuses database access to a test without one of these, so a test that has
    none of them cannot depend on which database the suite runs on."""
    names = set(getattr(item, "fixturenames", ()))
    return bool(names & DATABASE_FIXTURES) or item.get_closest_marker("django_db") is not None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    only_database = config.getoption("--database-tests-only")
    only_free = config.getoption("--database-free-tests-only")
    if not (only_database or only_free):
        return
    keep, drop = [], []
    for item in items:
        (keep if uses_database(item) == bool(only_database) else drop).append(item)
    config.hook.pytest_deselected(items=drop)
    items[:] = keep
