"""Two imports recording the same values at the same moment (PostgreSQL): no deadlock, no lost
count. SQLite serializes writers, so there is nothing to race there."""

import threading

import pytest
from django.db import connection, connections

from siaga.core.observables import value_key
from siaga.correlation.actions import Occurrence, record_occurrences
from siaga.correlation.choices import OccurrenceKind
from siaga.correlation.models import CorrelatedValue


@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_sharing_values_neither_deadlock_nor_lose_counts():
    if connection.vendor != "postgresql":
        pytest.skip("the race needs PostgreSQL (DATABASE_URL=postgres://...)")
    values = [f"host{n}.example" for n in range(400)]
    errors: list[BaseException] = []

    def record(first_id: int, order: list[str]) -> None:
        try:
            for round_ in range(3):
                items = [
                    Occurrence("domain", v, first_id + round_ * 1000 + n)
                    for n, v in enumerate(order)
                ]
                record_occurrences(OccurrenceKind.FEED_EVENT, items)
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=record, args=(1_000_000, values)),
        threading.Thread(target=record, args=(2_000_000, values[::-1])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    counts = CorrelatedValue.objects.filter(
        value_key__in=[value_key("domain", v) for v in values]
    ).values_list("occurrence_count", flat=True)
    assert sorted(set(counts)) == [6]
