"""Tracking ids: format, yearly numbering in Jakarta time, no duplicates under concurrency."""

from datetime import UTC, datetime

import pytest
from django.db import connection, transaction

from siaga.core.testing import run_at_once
from siaga.incidents.models import Report
from siaga.incidents.models.sequences import (
    INCIDENT,
    REPORT,
    allocate_tracking_id,
    format_tracking_id,
    tracking_year,
)

pytestmark = pytest.mark.django_db


def test_format(settings):
    settings.SIAGA_TRACKING_PREFIX = "CSIRT"
    assert format_tracking_id(REPORT, 2026, 123) == "CSIRT-2026-000123"
    assert format_tracking_id(INCIDENT, 2026, 45) == "CSIRT-INC-2026-000045"


def test_the_year_is_jakarta_time():
    # 31 Dec 2025 18:00 UTC is already 1 Jan 2026 01:00 in Jakarta (UTC+7).
    assert tracking_year(datetime(2025, 12, 31, 18, 0, tzinfo=UTC)) == 2026
    assert tracking_year(datetime(2025, 12, 31, 16, 0, tzinfo=UTC)) == 2025


def test_numbers_count_up_per_kind_and_restart_each_year():
    with transaction.atomic():
        first = allocate_tracking_id(REPORT, datetime(2025, 6, 1, tzinfo=UTC))
        second = allocate_tracking_id(REPORT, datetime(2025, 7, 1, tzinfo=UTC))
        incident = allocate_tracking_id(INCIDENT, datetime(2025, 7, 1, tzinfo=UTC))
        next_year = allocate_tracking_id(REPORT, datetime(2025, 12, 31, 18, tzinfo=UTC))
    assert (first, second) == ("SIAGA-2025-000001", "SIAGA-2025-000002")
    assert incident == "SIAGA-INC-2025-000001"
    assert next_year == "SIAGA-2026-000001"


@pytest.mark.django_db(transaction=True)
def test_allocation_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        allocate_tracking_id(REPORT)


def test_a_rolled_back_submission_gives_its_number_back(make_report):
    first = make_report()
    with pytest.raises(RuntimeError), transaction.atomic():
        make_report(title="rolled back")
        raise RuntimeError
    second = make_report()
    assert int(second.tracking_id[-6:]) == int(first.tracking_id[-6:]) + 1
    assert not Report.objects.filter(title="rolled back").exists()


@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="SQLite serialises writers; row locks need PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_allocations_never_repeat():
    ids: list[str] = []

    def allocate() -> None:
        for _ in range(5):
            with transaction.atomic():
                ids.append(allocate_tracking_id(REPORT))

    assert run_at_once(8, allocate) == []
    assert len(ids) == 40
    assert len(set(ids)) == 40
