"""The pipeline's read-ahead: the next chunk is prepared in a thread while the current one is
stored; order kept, errors carried over, and neither side left waiting when the other stops."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from siaga.feeds.pipeline import ahead


def test_items_arrive_in_order_and_all_of_them():
    assert list(ahead(iter(range(50)))) == list(range(50))
    assert list(ahead(iter([]))) == []


def test_the_producer_works_in_another_thread_one_item_ahead():
    made: list[int] = []
    threads: set[str] = set()

    def items() -> Iterator[int]:
        for number in range(6):
            threads.add(threading.current_thread().name)
            made.append(number)
            yield number

    consumer = ahead(items())
    assert next(consumer) == 0
    deadline = time.monotonic() + 10
    while len(made) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)
    # One item waits in the queue and the producer holds the next: never more than that.
    assert made == [0, 1, 2]
    assert threads == {"feeds-prepare"}
    assert list(consumer) == [1, 2, 3, 4, 5]


def test_an_error_of_the_producer_is_raised_to_the_consumer_after_the_good_items():
    def items() -> Iterator[int]:
        yield 1
        raise ValueError("chunk 2 cannot be read")

    consumer = ahead(items())
    assert next(consumer) == 1
    with pytest.raises(ValueError, match="chunk 2"):
        next(consumer)


def test_a_consumer_that_stops_early_does_not_leave_the_producer_waiting():
    def endless() -> Iterator[int]:
        number = 0
        while True:
            yield number
            number += 1

    consumer = ahead(endless())
    assert next(consumer) == 0
    producers = [t for t in threading.enumerate() if t.name == "feeds-prepare" and t.is_alive()]
    assert producers
    consumer.close()  # the storing side failed: the generator is closed, the producer must end
    for producer in producers:
        producer.join(timeout=5)
        assert not producer.is_alive()
