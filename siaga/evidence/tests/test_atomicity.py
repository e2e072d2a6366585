"""Nothing half-saved: a failed database write removes the stored file; a failed store writes no row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError

from siaga.core.testing import Personas
from siaga.evidence import actions, vault
from siaga.evidence.models import CustodyEvent, Evidence
from siaga.evidence.tests.helpers import upload, zip_bytes
from siaga.incidents.choices import ReportStatus
from siaga.incidents.models import Incident, Report


def _stored_files(vault_dir: Path) -> list[Path]:
    return [p for p in vault_dir.rglob("*") if p.is_file()]


def test_database_failure_leaves_no_orphan_file(
    personas: Personas, incident: Incident, vault_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: Any, **kwargs: Any) -> None:
        raise DatabaseError("connection lost")

    monkeypatch.setattr(actions, "_record_custody", fail)
    with pytest.raises(DatabaseError):
        actions.check_add_evidence(personas.cert_analyst, incident=incident, upload=upload())
    assert not Evidence.objects.exists()
    assert not CustodyEvent.objects.exists()
    assert _stored_files(vault_dir) == []


def test_vault_failure_writes_no_row(
    personas: Personas, incident: Incident, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(stream: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(vault, "store", fail)
    with pytest.raises(OSError, match="disk full"):
        actions.check_add_evidence(personas.cert_analyst, incident=incident, upload=upload())
    assert not Evidence.objects.exists()


def test_refused_file_stores_nothing(
    personas: Personas, incident: Incident, vault_dir: Path
) -> None:
    bad = upload("x.zip", zip_bytes({"../evil": b"x"}), "application/zip")
    with pytest.raises(ValidationError):
        actions.check_add_evidence(personas.cert_analyst, incident=incident, upload=bad)
    assert not Evidence.objects.exists()
    assert _stored_files(vault_dir) == []


def test_report_triaged_meanwhile_refuses_and_removes_the_file(
    personas: Personas, report: Report, vault_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reporter passed the first check, then the CERT triaged the report before the write."""
    real_store = vault.store

    def store_then_triage(stream: Any) -> vault.StoredFile:
        Report.objects.filter(pk=report.pk).update(status=ReportStatus.TRIAGED)
        return real_store(stream)

    monkeypatch.setattr(vault, "store", store_then_triage)
    with pytest.raises(PermissionDenied):
        actions.check_add_evidence(personas.constituent_reporter, report=report, upload=upload())
    assert not Evidence.objects.exists()
    assert _stored_files(vault_dir) == []


def test_evidence_needs_an_incident_or_a_report(personas: Personas) -> None:
    with pytest.raises(ValidationError):
        actions.check_add_evidence(personas.cert_admin, upload=upload())
