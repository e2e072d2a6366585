"""Fixtures of the evidence tests: a vault in a temporary folder, an incident and a report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from siaga.core.testing import Personas
from siaga.incidents.choices import Channel
from siaga.incidents.models import Incident, Report


@pytest.fixture(autouse=True)
def vault_dir(settings: Any, tmp_path: Path) -> Path:
    settings.EVIDENCE_DIR = tmp_path / "vault"
    settings.SIAGA_EVIDENCE_KEY = ""
    return settings.EVIDENCE_DIR


@pytest.fixture
def incident(personas: Personas) -> Incident:
    """An incident affecting Test Hospital."""
    incident = Incident.objects.create(reference="SIAGA-INC-2026-000001", title="Ransomware")
    incident.affected_constituents.add(personas.orgs.hospital)
    return incident


@pytest.fixture
def report(personas: Personas) -> Report:
    """A new report of Test Hospital, filed by its reporter."""
    return Report.objects.create(
        tracking_id="SIAGA-2026-000001",
        channel=Channel.WEB,
        title="Strange e-mail",
        description="Phishing?",
        organization=personas.orgs.hospital,
        reporter=personas.constituent_reporter,
    )
