"""A published report keeps its figures when later data arrives; regenerating refreshes a draft
only; the workflow's steps, their refusals, and the audit entries."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from siaga.audit.models import AuditEntry
from siaga.reports import actions
from siaga.reports.choices import SectorReportStatus
from siaga.reports.models import SectorReport
from siaga.reports.tests.conftest import Q1_2026, at, make_incident, published


def test_published_report_does_not_change(q1_report: SectorReport, personas: Any) -> None:
    report = published(q1_report, personas)
    before = report.snapshot
    make_incident(at(2026, 2, 2, 10, 0))  # arrives late
    with pytest.raises(ValidationError):
        actions.do_generate(Q1_2026)
    with pytest.raises(ValidationError):
        actions.check_regenerate(personas.cert_analyst, report)
    report.refresh_from_db()
    assert report.snapshot == before
    assert report.snapshot["incidents"]["total"] == 5


def test_regenerating_a_draft_refreshes_it(q1_report: SectorReport, personas: Any) -> None:
    assert q1_report.snapshot["incidents"]["total"] == 5
    make_incident(at(2026, 2, 2, 10, 0))
    again = actions.check_regenerate(personas.cert_analyst, q1_report)
    assert again.pk == q1_report.pk
    assert again.snapshot["incidents"]["total"] == 6
    assert SectorReport.objects.count() == 1
    assert AuditEntry.objects.filter(
        object_id=str(again.pk), changes__workflow="regenerate"
    ).exists()


def test_publish_needs_both_narratives_and_the_right(
    q1_report: SectorReport, personas: Any
) -> None:
    with pytest.raises(ValidationError):
        actions.check_publish(personas.cert_lead, q1_report)  # no narrative yet
    actions.check_update_narrative(personas.cert_analyst, q1_report, "Teks.", "Text.")
    with pytest.raises(PermissionDenied):
        actions.check_publish(personas.cert_analyst, q1_report)
    report = actions.check_publish(personas.cert_lead, q1_report)
    assert (
        report.status == SectorReportStatus.PUBLISHED and report.published_by == personas.cert_lead
    )
    assert AuditEntry.objects.filter(object_id=str(report.pk), changes__workflow="publish").exists()
    with pytest.raises(ValidationError):
        actions.check_update_narrative(personas.cert_analyst, report, "x", "y")
    withdrawn = actions.check_withdraw(personas.cert_lead, report)
    assert withdrawn.status == SectorReportStatus.WITHDRAWN


def test_narrative_is_cleaned_and_bounded(q1_report: SectorReport, personas: Any) -> None:
    report = actions.check_update_narrative(
        personas.cert_analyst, q1_report, "  Baris\x00 satu\r\ndua  ", "<b>bold</b>"
    )
    assert report.narrative_id == "Baris satu\ndua"
    assert report.narrative_en == "<b>bold</b>"  # kept as text, escaped when shown
    with pytest.raises(ValidationError) as error:
        actions.check_update_narrative(personas.cert_analyst, report, "x" * 20_001, "fine")
    assert "narrative_id" in error.value.message_dict
    report.refresh_from_db()
    assert report.narrative_en == "<b>bold</b>"  # nothing half-saved


def test_generate_refuses_bad_periods(personas: Any) -> None:
    for kind, day in (
        ("weekly", "2026-01-01"),
        ("monthly", "not a date"),
        ("monthly", "2999-01-01"),
    ):
        with pytest.raises(ValidationError):
            actions.check_generate(personas.cert_analyst, kind, day)
    with pytest.raises(PermissionDenied):
        actions.check_generate(personas.coord_member, "monthly", "2026-01-01")
    assert not SectorReport.objects.exists()
