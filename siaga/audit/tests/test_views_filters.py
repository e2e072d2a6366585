"""Filtering the audit trail: action, actor, object, and days counted in the user's time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest import mock

from django.urls import reverse

from siaga.audit.actions import do_record_event
from siaga.audit.choices import AuditAction
from siaga.core.testing import login


def listed(client, **params) -> list[str]:
    response = client.get(reverse("audit:list"), params)
    assert response.status_code == 200
    return [entry.object_id for entry in response.context["entries"]]


def record_at(moment: datetime, object_id: str, **kwargs) -> None:
    with mock.patch("django.utils.timezone.now", return_value=moment):
        do_record_event(
            AuditAction.EXPORT, object_type="test.report", object_id=object_id, **kwargs
        )


def test_filter_by_action_actor_and_object(client, personas):
    do_record_event(AuditAction.VIEW, personas.constituent_reporter, actor=personas.cert_analyst)
    do_record_event(AuditAction.EXPORT, object_type="test.report", object_id="r-1")
    login(client, personas.auditor)
    assert listed(client, action="view") == [str(personas.constituent_reporter.pk)]
    assert listed(client, actor="ANALYST@cert") == [str(personas.constituent_reporter.pk)]
    assert listed(client, object_type="test.report") == ["r-1"]
    assert listed(client, object_type="report") == ["r-1"]
    organization_ids = listed(client, object_type="organization")
    assert str(personas.orgs.hospital.pk) in organization_ids
    assert listed(client, object_type="organizations.organization", object_id="999999") == []
    hospital = personas.orgs.hospital
    assert listed(client, object_type="organization", object_id=str(hospital.pk)) == [
        str(hospital.pk)
    ]


def test_dates_are_days_in_the_users_time_zone(client, personas):
    # 16:30 UTC on 1 March is already 2 March, 01:30, in Jayapura (WIT, UTC+9).
    record_at(datetime(2026, 3, 1, 2, 0, tzinfo=UTC), "morning")
    record_at(datetime(2026, 3, 1, 16, 30, tzinfo=UTC), "late-evening")
    auditor = personas.auditor

    auditor.time_zone = "Asia/Jayapura"
    auditor.save()
    login(client, auditor)
    assert listed(client, date_from="2026-03-02", date_to="2026-03-02") == ["late-evening"]
    assert listed(client, date_from="2026-03-01", date_to="2026-03-01") == ["morning"]

    auditor.time_zone = "UTC"
    auditor.save()
    assert listed(client, date_from="2026-03-01", date_to="2026-03-01") == [
        "late-evening",
        "morning",
    ]


def test_reversed_date_range_is_an_error(client, personas):
    login(client, personas.auditor)
    response = client.get(
        reverse("audit:list"), {"date_from": "2026-03-02", "date_to": "2026-03-01"}
    )
    assert "date_to" in response.context["filters"].errors
