"""A value built from the database once per process and rebuilt when any process changes it.

The ownership lookup and the warninglist matcher keep large immutable indexes in memory. A change
bumps a version token in the shared cache; each process compares its token with the cache at most
once per ``check_every`` seconds and rebuilds when they differ. The process that made the change
notices at once.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable

from django.core.cache import cache


class ProcessSnapshot[T]:
    def __init__(self, version_key: str, build: Callable[[], T], check_every: float) -> None:
        self.version_key = version_key
        self.build = build
        self.check_every = check_every
        self.clock: Callable[[], float] = time.monotonic  # tests step it forward
        self._lock = threading.Lock()
        self._value: T | None = None
        self._version: str | None = None
        self._checked_at = float("-inf")

    def version(self) -> str:
        version = cache.get(self.version_key)
        if version is None:
            # Nobody bumped it since the cache was emptied: start one every process agrees on.
            cache.add(self.version_key, uuid.uuid4().hex, timeout=None)
            version = cache.get(self.version_key) or ""
        return str(version)

    def bump(self) -> None:
        """Tell every process that the data changed (call after commit)."""
        cache.set(self.version_key, uuid.uuid4().hex, timeout=None)
        self._checked_at = float("-inf")  # this process notices at once

    def current(self) -> T:
        """This process's value, rebuilt when any process bumped the version."""
        now = self.clock()
        value = self._value
        if value is not None and now - self._checked_at < self.check_every:
            return value
        with self._lock:
            version = self.version()
            if self._value is None or version != self._version:
                self._value = self.build()
                self._version = version
            self._checked_at = now
            return self._value

    def forget(self) -> None:
        """Drop this process's value (tests, after the database was swapped)."""
        with self._lock:
            self._value = None
            self._version = None
            self._checked_at = float("-inf")
