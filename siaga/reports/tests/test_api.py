"""The API: list, detail with the snapshot, PDF; drafts for editors only; others 403/404."""

from __future__ import annotations

from typing import Any

import pytest

from siaga.core.testing import api_client_for
from siaga.reports.models import SectorReport
from siaga.reports.tests.conftest import published

BASE = "/api/v1/sector-reports"


@pytest.mark.parametrize(
    ("name", "sees"), [("cert_analyst", 1), ("auditor", 0), ("coord_member", 0)]
)
def test_list_drafts_for_editors_only(
    personas: Any, q1_report: SectorReport, name: str, sees: int
) -> None:
    response = api_client_for(personas.by_name(name)).get(BASE)
    assert response.status_code == 200
    assert response.json()["count"] == sees


@pytest.mark.parametrize("name", ["constituent_admin", "other_reporter", "outsider"])
def test_list_refused_outside_readers(personas: Any, q1_report: SectorReport, name: str) -> None:
    assert api_client_for(personas.by_name(name)).get(BASE).status_code == 403
    assert api_client_for(personas.by_name(name)).get(f"{BASE}/{q1_report.pk}").status_code == 404


def test_detail_has_the_snapshot(personas: Any, q1_report: SectorReport) -> None:
    report = published(q1_report, personas)
    body = api_client_for(personas.coord_member).get(f"{BASE}/{report.pk}").json()
    assert body["status"] == "published" and body["period_start"] == "2026-01-01"
    assert body["snapshot"]["incidents"]["total"] == 5
    assert body["narrative_en"] == "First quarter summary."


def test_pdf_and_bad_language(personas: Any, q1_report: SectorReport) -> None:
    client = api_client_for(personas.cert_analyst)
    response = client.get(f"{BASE}/{q1_report.pk}/pdf?language=id")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    bad = client.get(f"{BASE}/{q1_report.pk}/pdf?language=fr")
    assert bad.status_code == 422 and bad["Content-Type"] == "application/problem+json"
    assert client.get(f"{BASE}/999999/pdf").status_code == 404
    assert api_client_for(personas.auditor).get(f"{BASE}/{q1_report.pk}/pdf").status_code == 404
