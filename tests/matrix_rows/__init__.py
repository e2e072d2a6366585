"""Rows of the permission matrix, one module per app: each has ``rows(personas)`` (the objects its
pages act on, returned by name into ``World.extra``), ``PAGES`` and ``OPERATIONS``."""

from __future__ import annotations

from types import ModuleType

from tests.matrix_rows import (
    advisories,
    advisory_exports,
    assessments,
    attack,
    correlation,
    dashboards,
    digests,
    events,
    exposures,
    feeds,
    governance,
    intel,
    misp,
    reports,
    risks,
    sharing,
    stix,
    stix_export,
    taxii,
    taxiiclient,
    vulns,
    warninglists,
)

ROW_MODULES: list[ModuleType] = [
    sharing,
    intel,
    attack,
    warninglists,
    stix,
    stix_export,
    taxii,
    misp,
    correlation,
    taxiiclient,
    feeds,
    events,
    digests,
    vulns,
    exposures,
    advisories,
    advisory_exports,
    assessments,
    governance,
    reports,
    risks,
    dashboards,
]
