"""Shared test fixtures: the personas every test module speaks of (see siaga/core/testing.py)."""

from siaga.core.testing import *  # noqa: F403
