"""Who may store events of a feed name, and when: one writer per feed name at a time.

Deduplication compares a finding with the stored events whose key it shares, and the key holds
the finding's feed name (``feed.name``: for a Shadowserver report its type's name, such as
"Accessible-FTP"), not the feed (``Feed``) that delivered it. So two writers of findings with one
feed name must not interleave between a lookup and the insert it decides — also when two feeds
deliver the same reports (by HTTP, and by mail as a backup). Reports of other types, from one
feed or several, are processed at once.

On PostgreSQL the pipeline stores two chunks of a report at once, on two connections, which
coordinate between themselves (``siaga.events.actions.HeldBack``); it holds the report's feed
names for the whole report with session advisory locks (``held_for_report``), and the other
writer — an analyst retrying quarantined rows — takes the same locks for its transaction first
(``try_hold_for_transaction``), and is told to wait when a report of those names is being
processed. A second report of the names waits its turn, reporting progress meanwhile so that its
job stays alive. Elsewhere (SQLite: one process writes at a time) every transaction that stores
events takes the feed's row lock (``select_for_update``). The advisory locks are always taken
before the row lock, never waiting while holding one of them, so the two never wait on each other
in a cycle.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Callable, Collection, Iterator

from django.db import DatabaseError, connection

# The first key of the two-key advisory locks: the feed names of Siaga's events (the second is
# the name's hash, ``name_key``). Another than the earlier per-feed locks' (0x51A6A).
FEED_NAME_LOCK_SPACE = 0x51A6B
# How often a report waiting for its feed names tries again (and tells its job it is alive).
WAIT_SECONDS = 1.0


def name_key(feed_name: str) -> int:
    """A feed name's 32-bit lock key: the same in every process (``hash`` is not). Two names
    with one key only wait for each other."""
    digest = hashlib.blake2b(feed_name.encode("utf-8"), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


def _keys(feed_names: Collection[str]) -> list[int]:
    # Always in one order: two writers taking several never hold one each of the other's.
    return sorted({name_key(name) for name in feed_names})


@contextlib.contextmanager
def held_for_report(
    feed_names: Collection[str], *, waiting: Callable[[], None] | None = None
) -> Iterator[None]:
    """The feed names held by this connection's session until the block ends (PostgreSQL;
    elsewhere one process writes at a time and the feed's row lock is enough).

    All of them or none: while another writer holds one, those taken are let go again, and
    ``waiting`` is called every ``WAIT_SECONDS`` — a job's progress report, so that a job
    waiting its turn keeps its heartbeat (and is not taken for a dead one and given to another
    worker) and can be cancelled."""
    keys = _keys(feed_names)
    if connection.vendor != "postgresql" or not keys:
        yield
        return
    while not _try_take_all(keys):
        if waiting is not None:
            waiting()
        time.sleep(WAIT_SECONDS)
    try:
        yield
    finally:
        _release(keys)


def _try_take_all(keys: list[int]) -> bool:
    taken: list[int] = []
    with connection.cursor() as cursor:
        for key in keys:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [FEED_NAME_LOCK_SPACE, key])
            row = cursor.fetchone()
            if not (row and row[0]):
                _release(taken)
                return False
            taken.append(key)
    return True


def _release(keys: list[int]) -> None:
    try:
        with connection.cursor() as cursor:
            for key in keys:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [FEED_NAME_LOCK_SPACE, key])
    except DatabaseError:
        # A broken connection cannot say so; closing it ends its session, and the locks with it.
        connection.close()


def try_hold_for_transaction(feed_names: Collection[str]) -> bool:
    """Take the feed names for the current transaction unless a report of one of them is being
    processed (False then: the caller gives up, and its transaction's end lets go of those it
    took). PostgreSQL only; elsewhere always True."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        for key in _keys(feed_names):
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [FEED_NAME_LOCK_SPACE, key])
            row = cursor.fetchone()
            if not (row and row[0]):
                return False
    return True
