"""Property: whatever incidents exist and however they change afterwards (through the ORM, so the
signals mark the days), the roll-ups equal a fresh rebuild, and every incident figure read from
them equals the direct query over the incidents."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siaga.constituents.models import ConstituentProfile
from siaga.dashboards import figures, rollups
from siaga.dashboards.models import IncidentDailyBreakdown, IncidentDailyCount
from siaga.dashboards.periods import from_days
from siaga.dashboards.tests.conftest import at
from siaga.incidents.models import Incident
from siaga.incidents.taxonomy import RSIT_TYPES_BY_CLASS
from siaga.organizations.models import Organization

pytestmark = pytest.mark.django_db

CHANGES = (
    "class",
    "acknowledge",
    "respond",
    "close",
    "reopen",
    "merge",
    "affect",
    "clear",
    "delete",
    "province",
    "kind",
)
CLASSES = ["malicious-code", "fraud", "availability", ""]
MINUTES = st.integers(min_value=-600, max_value=40 * 24 * 60)

incident_st = st.fixed_dictionaries(
    {
        "day": st.integers(min_value=1, max_value=12),
        "hour": st.integers(min_value=0, max_value=23),
        "rsit_class": st.sampled_from(CLASSES),
        "priority": st.sampled_from(["P1", "P2", "P3", "P4"]),
        "reported": st.one_of(st.none(), st.integers(min_value=-300, max_value=300)),
        "acknowledged": st.one_of(st.none(), MINUTES),
        "triaged": st.one_of(st.none(), MINUTES),
        "resolved": st.one_of(st.none(), MINUTES),
        "closed": st.booleans(),
        "affected": st.lists(st.integers(min_value=0, max_value=3), max_size=3, unique=True),
    }
)
change_st = st.tuples(
    st.sampled_from(CHANGES),
    st.integers(min_value=0, max_value=50),
)


def rows() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    counts = sorted(
        tuple(v for k, v in row.items() if k != "id") for row in IncidentDailyCount.objects.values()
    )
    parts = sorted(
        (row["day"], row["breakdown"], row["key"], row["incidents"])
        for row in IncidentDailyBreakdown.objects.values()
    )
    return counts, parts


def make(spec: dict[str, Any], organizations: list[Organization], n: int) -> Incident:
    created = at(spec["day"], spec["hour"]).replace(minute=37)

    def after(minutes: int | None) -> Any:
        return None if minutes is None else created + timedelta(minutes=minutes)

    rsit_class = spec["rsit_class"]
    incident = Incident.objects.create(
        reference=f"PROP-{n}",
        title="Property",
        rsit_class=rsit_class,
        rsit_type=RSIT_TYPES_BY_CLASS[rsit_class][0] if rsit_class else "",
        reported_at=after(spec["reported"]),
        acknowledged_at=after(spec["acknowledged"]),
        triaged_at=after(spec["triaged"]),
        resolved_at=after(spec["resolved"]),
        status="closed" if spec["closed"] else "analysis",
        closure_reason="resolved" if spec["closed"] else "",
    )
    Incident.objects.filter(pk=incident.pk).update(created_at=created, priority=spec["priority"])
    incident.refresh_from_db()
    incident.affected_constituents.set([organizations[i] for i in spec["affected"]])
    rollups.mark_incidents([incident])  # the update moved its day behind the signals' back
    return incident


def change(kind: str, pick: int, incidents: list[Incident], organizations: list[Any]) -> None:
    if not incidents:
        return
    incident = incidents[pick % len(incidents)]
    other = incidents[(pick + 1) % len(incidents)]
    organization = organizations[pick % len(organizations)]
    if kind == "class":
        incident.rsit_class, incident.rsit_type = "fraud", "phishing"
    elif kind == "acknowledge":
        incident.acknowledged_at = incident.created_at + timedelta(minutes=pick * 7)
    elif kind == "respond":
        incident.first_response_at = incident.created_at + timedelta(hours=pick)
    elif kind == "close":
        incident.status, incident.closure_reason = "closed", "resolved"
    elif kind == "reopen":
        incident.status, incident.closure_reason = "analysis", ""
    elif kind == "merge" and other.pk != incident.pk:
        incident.merged_into = other
    elif kind == "affect":
        incident.affected_constituents.add(organization)
        return
    elif kind == "clear":
        organization.affected_by_incidents.clear()
        return
    elif kind == "delete" and not incident.merged_duplicates.exists():
        incidents.remove(incident)
        incident.delete()
        return
    elif kind == "province":
        profile = ConstituentProfile.objects.filter(organization=organization).first()
        if profile is None:
            ConstituentProfile.objects.create(organization=organization, province="51")
        else:
            profile.province = "52" if profile.province != "52" else ""
            profile.save()
        return
    elif kind == "kind":
        organization.constituent_type = "clinic"
        organization.save()
        return
    incident.save()


def figure_values(start: Any, end: Any, now: Any) -> list[Any]:
    return [
        sorted(figures.incident_days_by_class(start, end)),
        figures.incidents_by_priority(start, end),
        figures.incidents_by_province(start, end),
        figures.incidents_by_constituent_kind(start, end),
        figures.response_times(start, end),
        figures.sla_compliance(start, end, now),
        [vars(row) for row in figures.most_affected_constituents(start, end)],
    ]


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    specs=st.lists(incident_st, max_size=8),
    changes=st.lists(change_st, max_size=6),
    now_hours=st.integers(min_value=0, max_value=40 * 24),
    first=st.integers(min_value=1, max_value=12),
    length=st.integers(min_value=1, max_value=20),
)
def test_rollups_equal_a_rebuild_and_the_direct_queries(
    orgs: Any, monkeypatch: Any, specs: Any, changes: Any, now_hours: int, first: int, length: int
) -> None:
    with transaction.atomic():
        extra = [
            Organization.objects.create(name=f"RS {n}", kind="constituent", constituent_type=kind)
            for n, kind in enumerate(("hospital", "laboratory"))
        ]
        organizations = [orgs.hospital, orgs.other_hospital, *extra]
        ConstituentProfile.objects.create(organization=orgs.hospital, province="31")
        ConstituentProfile.objects.create(organization=extra[0], province="")
        incidents = [make(spec, organizations, n) for n, spec in enumerate(specs)]
        for kind, pick in changes:
            change(kind, pick, incidents, organizations)
        rollups.refresh()  # what the commit's hook does
        kept = rows()
        rollups.rebuild()
        assert rows() == kept

        now = at(1, 0) + timedelta(hours=now_hours)
        for period in (
            from_days(date(2026, 5, 1), date(2026, 5, 31)),
            from_days(date(2026, 5, first), date(2026, 5, first) + timedelta(days=length)),
        ):
            rolled = figure_values(period.start, period.end, now)
            with monkeypatch.context() as patch:
                patch.setattr(figures, "span", lambda start, end: None)  # the direct queries
                assert figure_values(period.start, period.end, now) == rolled
        transaction.set_rollback(True)
