"""Who may store a feed's events, and when: one writer per feed at a time.

Deduplication compares a finding with the feed's stored events, so two writers of one feed must
not interleave between a lookup and the insert it decides. On PostgreSQL the pipeline stores two
chunks of a report at once, on two connections, which coordinate between themselves
(``siaga.events.actions.HeldBack``); it holds the feed for the whole report with a session
advisory lock (``held_for_report``), and the other writer — an analyst retrying quarantined rows
— takes the same lock for its transaction first (``try_hold_for_transaction``), and is told to
wait when a report is being processed. A second report of the feed waits its turn, reporting
progress meanwhile so that its job stays alive. Elsewhere (SQLite: one process writes at a
time) every transaction that stores events takes the feed's row lock (``select_for_update``).
The advisory lock is always taken before the row lock, so the two never wait on each other in a
cycle.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator

from django.db import DatabaseError, connection

# The first key of the two-key advisory lock: Siaga's feeds (the second is the feed's id).
FEED_LOCK_SPACE = 0x51A6A
# How often a report waiting for its feed tries again (and tells its job it is alive).
WAIT_SECONDS = 1.0


@contextlib.contextmanager
def held_for_report(feed_id: int, *, waiting: Callable[[], None] | None = None) -> Iterator[None]:
    """The feed held by this connection's session until the block ends (PostgreSQL; elsewhere
    one process writes at a time and the row lock is enough).

    While another report of the feed holds it, ``waiting`` is called every ``WAIT_SECONDS``: a
    job's progress report, so that a job waiting its turn keeps its heartbeat (and is not taken
    for a dead one and given to another worker) and can be cancelled."""
    if connection.vendor != "postgresql":
        yield
        return
    while not _try_take(feed_id):
        if waiting is not None:
            waiting()
        time.sleep(WAIT_SECONDS)
    try:
        yield
    finally:
        _release(feed_id)


def _try_take(feed_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [FEED_LOCK_SPACE, feed_id])
        row = cursor.fetchone()
    return bool(row and row[0])


def _release(feed_id: int) -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [FEED_LOCK_SPACE, feed_id])
    except DatabaseError:
        # A broken connection cannot say so; closing it ends its session, and the lock with it.
        connection.close()


def try_hold_for_transaction(feed_id: int) -> bool:
    """Take the feed for the current transaction unless a report of it is being processed
    (False then). PostgreSQL only; elsewhere always True."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [FEED_LOCK_SPACE, feed_id])
        row = cursor.fetchone()
    return bool(row and row[0])
