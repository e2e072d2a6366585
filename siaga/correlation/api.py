"""API of the correlation app: who holds a value, scoped to the caller."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from siaga.core.apitools import Text
from siaga.core.observables import MAX_VALUE_LENGTH, ObservableType
from siaga.correlation import actions
from siaga.correlation.choices import OccurrenceKind

router = Router(tags=["correlation"])


class LookupIn(Schema):
    type: ObservableType = Field(description="The observable type of the value.")
    value: Text = Field(min_length=1, max_length=MAX_VALUE_LENGTH, description="The value.")


class HolderOut(Schema):
    kind: OccurrenceKind
    id: int = Field(description="The holder's id in its own API (observable, indicator, ...).")
    label: str
    url: str | None = Field(description="Its page, where it has one.")
    detail: str


class HolderGroupOut(Schema):
    kind: OccurrenceKind
    holders: list[HolderOut]


class RelatedValueOut(Schema):
    type: ObservableType
    value: str
    holders: list[HolderOut]


class CorrelationsOut(Schema):
    type: ObservableType
    value: str = Field(description="The value in its canonical form.")
    occurrence_count: int = Field(description="Every occurrence recorded, visible to you or not.")
    capped: bool = Field(description="True when only the first `limit` occurrences are stored.")
    limit: int
    groups: list[HolderGroupOut] = Field(description="The holders you may see, by kind.")
    networks: list[RelatedValueOut] = Field(description="For an address: networks containing it.")
    addresses: list[RelatedValueOut] = Field(description="For a network: addresses inside it.")
    addresses_truncated: bool


def _holder(holder: Any) -> dict[str, Any]:
    return {
        "kind": holder.kind,
        "id": holder.object_id,
        "label": holder.label,
        "url": holder.url,
        "detail": holder.detail,
    }


def _related(related: list[actions.RelatedValue]) -> list[dict[str, Any]]:
    return [
        {"type": r.type, "value": r.value, "holders": [_holder(h) for h in r.holders]}
        for r in related
    ]


@router.get(
    "/correlations",
    response=CorrelationsOut,
    operation_id="correlation_lookup",
    summary="Who holds a value",
)
def lookup(request: HttpRequest, query: Query[LookupIn]) -> Any:
    """Incidents, indicators, reports and STIX objects you may see that hold the value; for an
    address the stored networks containing it, for a network the stored addresses inside it.

    The occurrence count covers every holder; the lists only those you may see. A value recorded
    more than `limit` times is `capped`: only its first `limit` holders are stored and listed."""
    found = actions.correlations_for(request.user, query.type, query.value)
    return {
        "type": found.type,
        "value": found.value,
        "occurrence_count": found.occurrence_count,
        "capped": found.capped,
        "limit": found.limit,
        "groups": [
            {"kind": g.kind, "holders": [_holder(h) for h in g.holders]} for g in found.groups
        ],
        "networks": _related(found.networks),
        "addresses": _related(found.addresses),
        "addresses_truncated": found.addresses_truncated,
    }
