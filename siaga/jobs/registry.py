"""The kinds of job Siaga knows, each a named function run by a worker.

A handler takes a ``JobContext`` and returns a JSON-able result. It reports progress through the
context (which also raises ``JobCancelled`` once a user asked to cancel) and must be safe to run
again from the start after a worker died mid-way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise

if TYPE_CHECKING:
    from siaga.jobs.runner import JobContext

Handler = Callable[["JobContext"], dict[str, Any] | None]
ParamCleaner = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class JobKind:
    name: str
    label: str | Promise
    handler: Handler
    permission: str
    clean_params: ParamCleaner
    startable_by_users: bool = True


_KINDS: dict[str, JobKind] = {}


def _no_params(params: dict[str, Any]) -> dict[str, Any]:
    if params:
        raise ValueError(f"this job takes no parameters (got: {', '.join(sorted(params))})")
    return {}


def job_kind(
    name: str,
    label: str | Promise,
    *,
    permission: str = "job.add",
    clean_params: ParamCleaner = _no_params,
    startable_by_users: bool = True,
) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        _KINDS[name] = JobKind(name, label, handler, permission, clean_params, startable_by_users)
        return handler

    return register


def get_kind(name: str) -> JobKind | None:
    return _KINDS.get(name)


def all_kinds() -> list[JobKind]:
    return sorted(_KINDS.values(), key=lambda kind: kind.name)
