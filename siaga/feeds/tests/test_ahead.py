"""The pipeline's read-ahead (the next chunk is prepared in a thread while the current one is
stored) and its preparing threads (``in_order``: several chunks prepared at once): order kept,
errors carried over, and neither side left waiting when the other stops."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from siaga.feeds.pipeline import ahead, in_order


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


def test_in_order_gives_results_in_the_items_order_whichever_finishes_first():
    def work(number: int) -> tuple[int, str]:
        time.sleep(0.02 * (number % 3))  # later items often finish first
        return number, threading.current_thread().name

    results = list(in_order(work, iter(range(12)), 2))

    assert [number for number, _ in results] == list(range(12))
    assert {name.rsplit("_", 1)[0] for _, name in results} == {"feeds-prepare"}


def test_in_order_works_on_several_items_at_once():
    started = threading.Barrier(2, timeout=10)

    def work(number: int) -> int:
        started.wait()  # fails unless two items are being worked on at the same time
        return number

    assert list(in_order(work, iter(range(4)), 2)) == [0, 1, 2, 3]


def test_in_order_raises_an_error_in_its_items_place_after_the_earlier_results():
    def work(number: int) -> int:
        if number == 3:
            raise ValueError("chunk 3 cannot be converted")
        return number

    results = in_order(work, iter(range(10)), 2)
    assert [next(results) for _ in range(3)] == [0, 1, 2]
    with pytest.raises(ValueError, match="chunk 3"):
        next(results)


def test_in_order_closed_early_stops_taking_items_and_closes_them():
    taken: list[int] = []
    closed = threading.Event()

    def endless() -> Iterator[int]:
        number = 0
        try:
            while True:
                taken.append(number)
                yield number
                number += 1
        finally:
            closed.set()

    results = in_order(lambda number: number * 10, endless(), 2)
    assert next(results) == 0
    results.close()

    assert closed.is_set()
    assert len(taken) <= 3  # the one given back, the one in work, and no more than one ahead
