"""The daily beat task drafts the period just ended once and tells the leads; the "generate now"
job makes or refreshes the chosen period's draft."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from siaga.jobs.actions import check_start_job, claim_job
from siaga.jobs.models import Job
from siaga.jobs.runner import execute_job
from siaga.notifications.models import Delivery
from siaga.reports import actions
from siaga.reports.models import SectorReport
from siaga.reports.notifications import DRAFT_READY
from siaga.reports.tests.conftest import at

# 1 April 2026 07:00 WIB: the day after Q1 ended.
DAY_AFTER_Q1 = datetime(2026, 4, 1, 0, 0, tzinfo=UTC)


def test_drafts_the_quarter_just_ended_and_tells_the_leads(
    personas: Any, quarter_incidents: Any
) -> None:
    created = actions.do_create_due_reports(DAY_AFTER_Q1)
    assert [(r.period_kind, r.period_start) for r in created] == [("quarterly", date(2026, 1, 1))]
    assert created[0].snapshot["incidents"]["total"] == 5
    told = set(Delivery.objects.filter(event_kind=DRAFT_READY).values_list("address", flat=True))
    assert told == {personas.cert_lead.email, personas.cert_admin.email}
    assert actions.do_create_due_reports(DAY_AFTER_Q1) == []  # once
    assert SectorReport.objects.count() == 1
    assert Delivery.objects.filter(event_kind=DRAFT_READY).count() == 2


def test_nothing_on_other_days_and_monthly_by_setting(personas: Any, settings: Any) -> None:
    assert actions.do_create_due_reports(at(2026, 4, 2, 9, 0)) == []
    # 31 March 20:00 UTC is already 1 April in Jakarta.
    settings.SIAGA_SECTOR_REPORT_PERIODS = ["monthly", "quarterly"]
    created = actions.do_create_due_reports(datetime(2026, 3, 31, 20, 0, tzinfo=UTC))
    assert sorted(r.period_kind for r in created) == ["monthly", "quarterly"]
    assert {r.period_start for r in created} == {date(2026, 3, 1), date(2026, 1, 1)}
    settings.SIAGA_SECTOR_REPORT_PERIODS = "monthly"
    assert actions.scheduled_kinds() == ["monthly"]


def test_generate_job_runs(personas: Any, quarter_incidents: Any) -> None:
    job = check_start_job(
        personas.cert_analyst, "reports.generate", {"period_kind": "quarterly", "day": "2026-02-10"}
    )
    claimed = claim_job(job.pk)
    assert claimed is not None
    execute_job(claimed)
    job.refresh_from_db()
    assert job.status == "succeeded", job.log
    report = SectorReport.objects.get(pk=job.result["report"])
    assert report.period_start == date(2026, 1, 1) and report.generated_by == personas.cert_analyst


@pytest.mark.parametrize(
    "params",
    [
        {"period_kind": "weekly", "day": "2026-01-01"},
        {"period_kind": "monthly", "day": "x"},
        {"period_kind": "monthly", "day": "2026-01-01", "extra": 1},
    ],
)
def test_generate_job_refuses_bad_params(personas: Any, params: dict[str, Any]) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        check_start_job(personas.cert_analyst, "reports.generate", params)
    assert not Job.objects.exists()
