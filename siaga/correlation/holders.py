"""Who holds a value, as far as the asking user may know.

An occurrence only says "kind K, object N holds this value". Each kind has a resolver that fetches
the holders through that model's own ``objects.restrict(user, "view")`` and describes them; holders
the user may not see are simply absent, so nobody learns that they exist, not even as a count.
A kind without a resolver (an app not installed yet) shows nothing, for the same reason.

Apps that record occurrences of their own kind register a resolver with ``register_holder``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse

from siaga.correlation.choices import OccurrenceKind


@dataclass(frozen=True)
class Holder:
    """One thing the user may see that holds the value: its label and, where there is one, a link."""

    kind: str
    object_id: int
    label: str
    url: str | None = None
    detail: str = ""


Resolver = Callable[[Any, list[int]], dict[int, Holder]]
_RESOLVERS: dict[str, Resolver] = {}


def register_holder(kind: str, resolver: Resolver) -> None:
    """Let ``resolver(user, object_ids)`` describe the visible holders of ``kind``."""
    if kind not in OccurrenceKind.values:
        raise ValueError(f"unknown occurrence kind {kind!r}")
    _RESOLVERS[kind] = resolver


def resolve_holders(user: Any, pairs: Iterable[tuple[str, int]]) -> dict[tuple[str, int], Holder]:
    """The visible holders among ``(kind, object_id)`` pairs, one query or two per kind."""
    by_kind: dict[str, set[int]] = {}
    for kind, object_id in pairs:
        by_kind.setdefault(kind, set()).add(object_id)
    found: dict[tuple[str, int], Holder] = {}
    for kind, ids in by_kind.items():
        resolver = _RESOLVERS.get(kind)
        if resolver is None:
            continue
        for object_id, holder in resolver(user, sorted(ids)).items():
            found[(kind, object_id)] = holder
    return found


def link(name: str, pk: int) -> str | None:
    """The URL of a detail page, or None while the app that serves it has no such page."""
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return None


def _incident_observables(user: Any, ids: list[int]) -> dict[int, Holder]:
    from siaga.incidents.models import Incident, Observable

    # Both checks: the observable row, and the incident it belongs to. A merged incident's
    # observables live on in the incident it was merged into.
    incidents = Incident.objects.restrict(user, "view").filter(merged_into__isnull=True)
    observables = (
        Observable.objects.restrict(user, "view")
        .filter(pk__in=ids, incident__in=incidents)
        .select_related("incident")
    )
    return {
        o.pk: Holder(
            kind=OccurrenceKind.OBSERVABLE,
            object_id=o.pk,
            label=f"{o.incident.reference} — {o.incident.title}",
            url=link("incidents:detail", o.incident_id),
            detail=o.incident.get_status_display(),
        )
        for o in observables
    }


def _indicators(user: Any, ids: list[int]) -> dict[int, Holder]:
    from siaga.intel.models import Indicator

    rows = (
        Indicator.objects.restrict(user, "view").filter(pk__in=ids).select_related("organization")
    )
    return {
        i.pk: Holder(
            kind=OccurrenceKind.INDICATOR,
            object_id=i.pk,
            label=f"{i.type}:{i.value}",
            url=link("intel:indicator-detail", i.pk),
            detail=f"{i.organization} · {i.get_tlp_display()}",
        )
        for i in rows
    }


def _stix_objects(user: Any, ids: list[int]) -> dict[int, Holder]:
    from siaga.stix.models import StixObject

    rows = StixObject.objects.restrict(user, "view").filter(pk__in=ids)
    return {
        s.pk: Holder(
            kind=OccurrenceKind.STIX_OBJECT,
            object_id=s.pk,
            label=s.stix_id,
            url=link("stix:object-detail", s.pk),
            detail=s.type,
        )
        for s in rows.only("pk", "stix_id", "type")
    }


def _reports(user: Any, ids: list[int]) -> dict[int, Holder]:
    from siaga.incidents.models import Report

    rows = Report.objects.restrict(user, "view").filter(pk__in=ids)
    return {
        r.pk: Holder(
            kind=OccurrenceKind.REPORT,
            object_id=r.pk,
            label=r.tracking_id,
            url=link("incidents:report-detail", r.pk),
            detail=r.get_status_display(),
        )
        for r in rows
    }


register_holder(OccurrenceKind.OBSERVABLE, _incident_observables)
register_holder(OccurrenceKind.INDICATOR, _indicators)
register_holder(OccurrenceKind.STIX_OBJECT, _stix_objects)
register_holder(OccurrenceKind.REPORT, _reports)
