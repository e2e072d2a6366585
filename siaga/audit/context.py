"""Who is acting, and from where: set once at the edge (request, API call, job, CLI), read by the audit trail."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class AuditContext:
    actor: Any = None  # a user, or a callable returning one (resolved lazily for web requests)
    via: str = "system"
    ip_address: str | None = None
    user_agent: str = ""
    request_id: str = ""

    def resolve_actor(self) -> Any:
        actor = self.actor() if callable(self.actor) else self.actor
        if actor is None or not getattr(actor, "is_authenticated", False):
            return None
        return actor


_current: ContextVar[AuditContext] = ContextVar("siaga_audit_context", default=AuditContext())  # noqa: B039  (frozen)


def current_context() -> AuditContext:
    return _current.get()


@contextlib.contextmanager
def audit_context(**values: Any) -> Iterator[AuditContext]:
    """Run a block with an acting user and origin; values not given are inherited."""
    context = replace(_current.get(), **values)
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def set_context(context: AuditContext) -> Callable[[], None]:
    token = _current.set(context)
    return lambda: _current.reset(token)
