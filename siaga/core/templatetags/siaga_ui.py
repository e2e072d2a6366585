"""Small helpers for the page shell: the current-page marker, memberships, durations."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import template

register = template.Library()


@register.filter
def is_current(path: str, url: str | None) -> bool:
    """True when ``path`` is the page at ``url`` or below it (``/jobs/12/`` is under ``/jobs/``)."""
    if not url:
        return False
    return path == url or (url != "/" and path.startswith(url))


@register.filter
def minutes(value: timedelta | None) -> int:
    """A duration in whole minutes, rounded up (a lock-out of 14 min 30 s reads "15")."""
    if not value:
        return 0
    return -(-int(value.total_seconds()) // 60)


@register.simple_tag
def memberships_of(user: Any) -> list[Any]:
    """The user's own memberships with their organizations, through the one permission filter."""
    if user is None or not user.is_authenticated:
        return []
    from siaga.organizations.models import Membership

    return list(
        Membership.objects.restrict(user, "view")
        .filter(user=user)
        .select_related("organization")
        .order_by("organization__name")
    )
