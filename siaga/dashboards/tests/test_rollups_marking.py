"""How the incident roll-ups stay exact: marks in the writer's transaction, recomputed after the
commit; each kind of change that moves a figure; leftovers, rebuild, unaligned ranges."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from siaga.constituents.models import ConstituentProfile
from siaga.dashboards import direct, figures, rollups
from siaga.dashboards.models import IncidentDailyCount, RollupDirtyDay
from siaga.dashboards.tasks import refresh_rollups
from siaga.dashboards.tests.conftest import at, hours
from siaga.incidents.models import Comment, Incident

pytestmark = pytest.mark.django_db


def total(period: Any) -> int:
    return sum(n for _label, n in figures.incidents_by_priority(period.start, period.end))


def test_a_new_incident_is_counted_after_the_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        Incident.objects.create(reference="R-1", title="One")
        Incident.objects.create(reference="R-2", title="Two")
    assert len([c for c in callbacks if c is rollups._refresh_all]) == 1  # one hook, not two
    assert not RollupDirtyDay.objects.exists()
    assert IncidentDailyCount.objects.get().incidents == 2


def test_a_rolled_back_write_leaves_no_mark():
    with transaction.atomic():
        Incident.objects.create(reference="R-1", title="One")
        transaction.set_rollback(True)
    assert not RollupDirtyDay.objects.exists()


def test_class_and_acknowledgement_changes_move_the_figures(make_incident, may):
    incident = make_incident(at(3))
    assert figures.incidents_by_class(may.start, may.end) == [("Malicious code", 1)]
    incident.rsit_class, incident.rsit_type = "fraud", "phishing"
    incident.acknowledged_at = at(3) + hours(2)
    incident.save()
    assert figures.incidents_by_class(may.start, may.end) == [("Fraud", 1)]
    # The save derives the priority from the impact (none: P4).
    assert figures.response_times(may.start, may.end)["P4"]["mtta"] == 7200.0


def test_merge_and_delete_leave_the_figures(make_incident, may):
    kept, duplicate, gone = make_incident(at(3)), make_incident(at(4)), make_incident(at(5))
    duplicate.merged_into = kept
    duplicate.save()
    gone.delete()
    assert total(may) == 1


def test_first_response_stamped_by_a_queryset_update_is_seen(make_incident, may, orgs):
    incident = make_incident(at(3))
    rollups.refresh()
    # What ``do_add_comment`` does: the comment's save, then an update that sends no signal.
    Comment.objects.create(incident=incident, body="Seen", visibility="shared")
    Incident.objects.filter(pk=incident.pk).update(first_response_at=at(3) + hours(1))
    rows = {row["milestone"]: row for row in figures.sla_compliance(may.start, may.end)}
    assert rows["first_response"]["met"] == 1


def test_affected_constituents_from_either_side(make_incident, profiled, may):
    incident = make_incident(at(3))
    assert dict(figures.incidents_by_province(may.start, may.end)) == {"Unknown": 1}
    profiled.hospital.affected_by_incidents.add(incident)
    assert dict(figures.incidents_by_province(may.start, may.end)) == {"DKI Jakarta": 1}
    profiled.hospital.affected_by_incidents.clear()
    assert dict(figures.incidents_by_province(may.start, may.end)) == {"Unknown": 1}


def test_a_constituent_moving_province_or_kind_moves_its_incidents(make_incident, profiled, may):
    make_incident(at(3), affected=[profiled.hospital])
    rollups.refresh()
    profile = ConstituentProfile.objects.get(organization=profiled.hospital)
    profile.province = "35"
    profile.save()
    assert dict(figures.incidents_by_province(may.start, may.end)) == {"Jawa Timur": 1}
    hospital = type(profiled.hospital).objects.get(pk=profiled.hospital.pk)
    hospital.constituent_type = "laboratory"
    hospital.save()
    kinds = dict(figures.incidents_by_constituent_kind(may.start, may.end))
    assert list(kinds.values()) == [1] and "Hospital" not in kinds
    profile.delete()
    assert dict(figures.incidents_by_province(may.start, may.end)) == {"Unknown": 1}


def test_deleting_a_constituent_leaves_its_incidents_unknown(make_incident, profiled, may):
    make_incident(at(3), affected=[profiled.other_hospital])
    rollups.refresh()
    ConstituentProfile.objects.filter(organization=profiled.other_hospital).delete()
    rollups.refresh()
    profiled.other_hospital.delete()
    assert dict(figures.incidents_by_province(may.start, may.end)) == {"Unknown": 1}
    assert figures.most_affected_constituents(may.start, may.end) == []


def test_a_mark_written_while_a_day_is_recomputed_survives(make_incident, monkeypatch):
    make_incident(at(3))
    recompute = rollups.recompute

    def meanwhile(days: list[date]) -> None:
        recompute(days)
        RollupDirtyDay.objects.create(day=days[0])  # another writer's mark, after our read

    rollups.refresh()
    make_incident(at(4))
    monkeypatch.setattr(rollups, "recompute", meanwhile)
    assert rollups.refresh() == 2  # the day it was made on, and 4 May
    assert RollupDirtyDay.objects.count() == 1


def test_a_range_off_midnight_reads_the_incidents(make_incident, may):
    make_incident(at(3, hour=9))
    make_incident(at(3, hour=15))
    start, end = at(3, hour=12), may.end
    assert figures.span(start, end) is None
    assert figures.incidents_by_class(start, end) == [("Malicious code", 1)]
    assert direct.priority_counts(start, end) == {"P3": 1}


def test_sla_deadlines_around_now_are_read_from_the_incidents(make_incident, may, settings):
    settings.SIAGA_SLA_TARGETS = {
        p: {"acknowledge": 60, "triage": 120, "first_response": 240, "resolve": 1440}
        for p in ("P1", "P2", "P3", "P4")
    }
    make_incident(at(3, hour=8))  # acknowledge due 09:00
    make_incident(at(3, hour=11))  # due 12:00
    now = at(3, hour=10)
    rows = {row["milestone"]: row for row in figures.sla_compliance(may.start, may.end, now)}
    assert rows["acknowledge"]["breached"] == 1
    assert direct.sla_counts(may.start, may.end, now)["acknowledge_breached"] == 1
    later = {r["milestone"]: r for r in figures.sla_compliance(may.start, may.end, at(4))}
    assert later["acknowledge"]["breached"] == 2 and later["resolve"]["breached"] == 1


def test_rebuild_counts_what_bypassed_the_signals(orgs):
    created = Incident.objects.bulk_create(
        [Incident(reference=f"B-{n}", title="Bulk", priority="P2") for n in range(3)]
    )
    assert not IncidentDailyCount.objects.exists()
    out = StringIO()
    call_command("rebuild_dashboard_rollups", stdout=out)
    assert "1 day(s) rebuilt" in out.getvalue()
    row = IncidentDailyCount.objects.get()
    assert (row.incidents, row.priority) == (len(created), "P2")
    assert row.day == timezone.localdate()


def test_the_beat_task_recomputes_leftover_marks(make_incident):
    make_incident(at(3))
    assert refresh_rollups() == {"days": 2}  # the day it was made on, and the day it moved to
    assert refresh_rollups() == {"days": 0}
    assert IncidentDailyCount.objects.get().day == date(2026, 5, 3)


def test_the_rebuild_job_is_registered():
    from siaga.jobs.registry import get_kind

    kind = get_kind("dashboards.rebuild")
    assert kind is not None and kind.permission == "job.add"


def test_runs_cut_consecutive_days():
    d = date(2026, 5, 1)
    days = [d, d + timedelta(days=1), d + timedelta(days=5)]
    assert list(rollups.runs(days)) == [
        (d, d + timedelta(days=2)),
        (d + timedelta(days=5), d + timedelta(days=6)),
    ]
