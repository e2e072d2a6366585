"""Fixtures of the sector-report tests: incidents placed around a known quarter (Q1 2026 in
Jakarta), a stand-in for the assessments app's summary, and reports made through the actions."""

from __future__ import annotations

from datetime import date, datetime
from itertools import count
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from siaga.incidents.choices import Impact
from siaga.incidents.models import Incident
from siaga.reports import actions, periods, snapshot
from siaga.reports.models import SectorReport

WIB = ZoneInfo("Asia/Jakarta")
Q1_2026 = periods.quarter_of(date(2026, 2, 10))
_numbers = count(1)


def at(*parts: int) -> datetime:
    """A Jakarta wall-clock time."""
    return datetime(*parts, tzinfo=WIB)  # type: ignore[misc]


def make_incident(reported_at: datetime, rsit_class: str = "intrusions", **extra: Any) -> Incident:
    number = next(_numbers)
    return Incident.objects.create(
        reference=f"SIAGA-INC-TEST-{number:06d}",
        title=f"Incident {number}",
        rsit_class=rsit_class,
        reported_at=reported_at,
        **extra,
    )


def critical(**extra: Any) -> dict[str, Any]:
    return {"patient_safety": Impact.HIGH, "service_disruption": Impact.HIGH, **extra}


@pytest.fixture
def quarter_incidents(db: Any) -> dict[str, Any]:
    """Q1 2026: 3 intrusions (one critical), 2 malicious code; Q4 2025: 2 intrusions; and
    incidents just outside Q1 on both sides (in Jakarta time)."""
    inside = [
        make_incident(at(2026, 1, 1, 0, 5), "intrusions", **critical()),  # 31 Dec 17:05 UTC
        make_incident(at(2026, 2, 14, 9, 0), "intrusions"),
        make_incident(at(2026, 3, 31, 23, 55), "intrusions"),
        make_incident(at(2026, 1, 20, 8, 0), "malicious-code"),
        make_incident(at(2026, 3, 2, 8, 0), "malicious-code"),
    ]
    before = [
        make_incident(at(2025, 12, 31, 23, 55), "intrusions"),  # previous quarter
        make_incident(at(2025, 11, 3, 10, 0), "intrusions"),
    ]
    after = [make_incident(at(2026, 4, 1, 0, 1), "malicious-code")]  # next quarter
    merged = make_incident(at(2026, 2, 1, 10, 0), "fraud")
    merged.merged_into = inside[1]
    merged.save()
    return {"inside": inside, "before": before, "after": after, "merged": merged}


class FakeAssessments:
    """Stands in for ``siaga.assessments.summary`` (another app's module, coded to its interface)."""

    def __init__(self, results: list[Any], history: dict[int, list[Any]]) -> None:
        self.results, self.history = results, history
        self.calls: list[tuple[datetime, datetime]] = []

    def accepted_results(self, start: datetime, end: datetime, **_kw: Any) -> list[Any]:
        self.calls.append((start, end))
        return [r for r in self.results if start <= r.accepted_at < end]

    def organization_trend(
        self, organization_id: int, framework_slug: str | None = None
    ) -> list[Any]:
        return self.history.get(organization_id, [])


def result(
    org_id: int, name: str, score: float, accepted_at: datetime, maturity: str = "Defined"
) -> Any:
    return SimpleNamespace(
        assessment_id=org_id * 100 + int(score),
        organization_id=org_id,
        organization_name=name,
        framework_name="NIST CSF 2.0",
        campaign_name="Campaign",
        accepted_at=accepted_at,
        score_percent=score,
        maturity=maturity,
        area_scores={},
    )


@pytest.fixture(autouse=True)
def media_in_tmp(settings: Any, tmp_path: Any) -> None:
    """Cached PDFs go to the test's own folder, not the data directory."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media"},
        },
    }


def _install(monkeypatch: pytest.MonkeyPatch, fake: FakeAssessments) -> None:
    monkeypatch.setattr(snapshot, "assessment_summary", lambda: fake)


@pytest.fixture(autouse=True)
def no_assessments(monkeypatch: pytest.MonkeyPatch) -> FakeAssessments:
    """No accepted results unless a test asks for ``assessments``: these tests do not depend on
    the assessments app's tables being there."""
    fake = FakeAssessments([], {})
    _install(monkeypatch, fake)
    return fake


@pytest.fixture
def assessments(monkeypatch: pytest.MonkeyPatch, no_assessments: Any) -> FakeAssessments:
    older = result(1, "RSUD Sehat Sentosa", 48.0, at(2025, 6, 1, 9, 0))
    hospital = result(1, "RSUD Sehat Sentosa", 62.5, at(2026, 2, 3, 9, 0))
    clinic = result(2, "Klinik Pratama Mawar", 71.0, at(2026, 3, 5, 9, 0), "Managed")
    outside = result(3, "RS Tidak Termasuk", 55.0, at(2026, 4, 2, 9, 0))
    fake = FakeAssessments(
        [hospital, clinic, outside], {1: [older, hospital], 2: [clinic], 3: [outside]}
    )
    _install(monkeypatch, fake)
    return fake


@pytest.fixture
def q1_report(quarter_incidents: Any, personas: Any) -> SectorReport:
    report, _created = actions.do_generate(Q1_2026, user=personas.cert_analyst)
    return report


def published(report: SectorReport, personas: Any) -> SectorReport:
    actions.check_update_narrative(
        personas.cert_analyst, report, "Ringkasan triwulan pertama.", "First quarter summary."
    )
    return actions.check_publish(personas.cert_lead, report)
