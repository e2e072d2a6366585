"""The TAXII tests' fixtures live in ``helpers`` (importable by the test modules too)."""

from siaga.taxii.tests.helpers import scenario  # noqa: F401
