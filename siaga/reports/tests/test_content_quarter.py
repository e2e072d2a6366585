"""The figures of a quarter with known data: counts and trend, incidents just outside the period
left out, response times, legal clocks, feed events, advisories and assessment results."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from siaga.events.models import EventDailyCount
from siaga.incidents.choices import ClockStatus
from siaga.incidents.models import LegalClock
from siaga.reports import snapshot
from siaga.reports.content import change
from siaga.reports.tests.conftest import Q1_2026, at


def _row(rows: list[dict[str, Any]], code: str) -> dict[str, Any]:
    return next(row for row in rows if row["code"] == code)


def test_incident_counts_and_trend(quarter_incidents: Any) -> None:
    figures = snapshot.incident_figures(Q1_2026)
    # 5 inside (the merged duplicate and those a minute outside are not counted).
    assert figures["total"] == 5
    assert figures["previous_total"] == 2
    assert _row(figures["by_class"], "intrusions") == {
        "code": "intrusions",
        "count": 3,
        "previous": 2,
    }
    assert _row(figures["by_class"], "malicious-code") == {
        "code": "malicious-code",
        "count": 2,
        "previous": 0,
    }
    assert all(row["code"] != "fraud" for row in figures["by_class"])
    priorities = {row["code"]: row["count"] for row in figures["by_priority"]}
    critical = quarter_incidents["inside"][0].priority
    assert critical != "P4"
    assert priorities[critical] == 1
    assert sum(priorities.values()) == 5
    assert change(5, 2) == {"difference": 3, "percent": 150.0, "direction": "up"}
    assert change(1, 0)["percent"] is None
    assert change(2, 4)["direction"] == "down"


def test_monthly_series_covers_four_quarters(quarter_incidents: Any) -> None:
    monthly = snapshot.monthly_incidents(Q1_2026)
    assert [row["month"] for row in monthly][:1] == ["2025-04"]
    counts = {row["month"]: row["count"] for row in monthly}
    assert len(monthly) == 12
    # 31 Dec 23:55 WIB (16:55 UTC) is December; 1 Jan 00:05 WIB (31 Dec UTC) is January.
    assert counts["2025-12"] == 1 and counts["2025-11"] == 1
    assert counts["2026-01"] == 2
    assert counts["2026-02"] == 1 and counts["2026-03"] == 2
    assert "2026-04" not in counts


def test_response_times(db: Any) -> None:
    from siaga.reports.tests.conftest import make_incident

    start = at(2026, 2, 1, 8, 0)
    make_incident(
        start, acknowledged_at=start + timedelta(hours=2), resolved_at=start + timedelta(hours=10)
    )
    make_incident(start, acknowledged_at=start + timedelta(hours=4))
    figures = snapshot.response_figures(Q1_2026)
    assert figures == {"mtta_hours": 3.0, "mttr_hours": 10.0, "acknowledged": 2, "resolved": 1}


def test_legal_clocks_met_and_missed(quarter_incidents: Any) -> None:
    incidents = quarter_incidents["inside"]
    due = at(2026, 2, 20, 12, 0)

    def clock(incident: Any, kind: str, **extra: Any) -> None:
        LegalClock.objects.create(
            incident=incident,
            kind=kind,
            started_at=due - timedelta(days=1),
            due_at=due,
            warn_at=due - timedelta(hours=6),
            **extra,
        )

    clock(incidents[0], "pdp_notice", status=ClockStatus.SENT, sent_at=due - timedelta(hours=1))
    clock(incidents[1], "pdp_notice", status=ClockStatus.SENT, sent_at=due + timedelta(hours=1))
    clock(incidents[2], "pdp_notice")  # never sent
    clock(incidents[3], "pdp_notice", status=ClockStatus.WAIVED)
    LegalClock.objects.create(  # due after the quarter: not counted
        incident=incidents[4],
        kind="pdp_notice",
        started_at=due,
        due_at=at(2026, 4, 2, 0, 0),
        warn_at=due,
    )
    figures = snapshot.legal_clock_figures(Q1_2026, now=at(2026, 4, 5, 0, 0))
    assert figures == {"met": 1, "late": 1, "missed": 1, "running": 0, "waived": 1}


def test_feed_events_by_classification(db: Any) -> None:
    def rollup(day: date, taxonomy: str, events: int, findings: int) -> None:
        EventDailyCount.objects.create(
            day=day,
            feed_name="shadowserver",
            classification_taxonomy=taxonomy,
            classification_type="x",
            severity=2,
            events=events,
            findings=findings,
        )

    rollup(date(2026, 1, 1), "vulnerable", 10, 30)
    rollup(date(2026, 3, 31), "vulnerable", 5, 5)
    rollup(date(2026, 2, 2), "malicious-code", 7, 8)
    rollup(date(2025, 12, 31), "vulnerable", 100, 100)
    rollup(date(2026, 4, 1), "malicious-code", 100, 100)
    assert snapshot.event_figures(Q1_2026) == [
        {"code": "vulnerable", "events": 15, "findings": 35},
        {"code": "malicious-code", "events": 7, "findings": 8},
    ]


def test_assessment_results_with_change(assessments: Any) -> None:
    rows = snapshot.assessment_figures(Q1_2026)
    assert [row["organization"] for row in rows] == ["RSUD Sehat Sentosa", "Klinik Pratama Mawar"]
    hospital, clinic = rows
    assert hospital["score"] == 62.5 and hospital["previous_score"] == 48.0
    assert hospital["change"] == 14.5
    assert clinic["previous_score"] is None and clinic["change"] is None
    assert hospital["maturity"] == {"id": "Defined", "en": "Defined"}
    assert assessments.calls[0] == (Q1_2026.start_at, Q1_2026.end_at)


def test_snapshot_is_json_and_complete(quarter_incidents: Any, assessments: Any) -> None:
    import json

    data = snapshot.build_snapshot(Q1_2026, now=at(2026, 4, 1, 9, 0))
    assert json.loads(json.dumps(data)) == data
    assert data["period"] == {
        "kind": "quarterly",
        "start": "2026-01-01",
        "end": "2026-04-01",
        "key": "2026-Q1",
    }
    assert data["incidents"]["total"] == 5
    assert data["advisories"]["published"] == 0 and data["advisories"]["answer_rate"] is None
    assert data["risks"] is not None and data["risks"]["cells"]


def test_advisories_published_and_answer_rate(personas: Any) -> None:
    from siaga.advisories.models import Advisory, AdvisoryRecipient

    def advisory(number: int, published_at: Any) -> Advisory:
        return Advisory.objects.create(
            tracking_id=f"TEST-ADV-{number}",
            kind="advisory",
            organization=personas.orgs.cert,
            first_published_at=published_at,
            last_published_at=published_at,
            status="published",
            version=1,
        )

    inside = advisory(1, at(2026, 2, 1, 9, 0))
    advisory(2, at(2026, 4, 1, 0, 1))  # next quarter
    for org, answer in ((personas.orgs.hospital, "patched"), (personas.orgs.other_hospital, "")):
        AdvisoryRecipient.objects.create(
            advisory=inside, organization=org, reason="named", answer=answer
        )
    figures = snapshot.advisory_figures(Q1_2026)
    assert figures["published"] == 1
    assert (figures["recipients"], figures["answered"], figures["answer_rate"]) == (2, 1, 50.0)
    assert {"code": "patched", "count": 1} in figures["by_answer"]
