"""TAXII 2.1 query parameters and keyset paging.

Filters: ``added_after``, ``match[id]``, ``match[type]``, ``match[version]`` (``first``,
``last`` (the default), ``all`` or a timestamp), ``match[spec_version]``; each ``match[...]`` may
be a comma-separated list (any of them matches). Paging: ``limit`` (at most the server's maximum)
and ``next``, an opaque cursor holding the ``(date_added, pk)`` of the last row sent. Pages are
read with a keyset condition (never OFFSET), so page 1,000 costs what page 1 costs, and an object
added while a client pages through a collection has a later ``date_added``: it appears on a later
page instead of shifting the rows, so nothing is sent twice or skipped.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _

from siaga.taxii.protocol import TaxiiError, format_timestamp, max_page_size, parse_timestamp

VERSION_KEYWORDS = ("first", "last", "all")
_STIX_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}--[0-9a-fA-F-]{36}$")
_STIX_TYPE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_MAX_VALUES = 100  # per match[...] parameter: a list longer than this is an abuse, not a query


@dataclass
class Cursor:
    """Where the previous page ended."""

    date_added: datetime
    pk: int

    def encode(self) -> str:
        raw = f"{format_timestamp(self.date_added)}|{self.pk}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, value: str) -> Cursor:
        try:
            padded = value + "=" * (-len(value) % 4)
            stamp, _sep, pk = base64.urlsafe_b64decode(padded).decode().partition("|")
            return cls(date_added=parse_timestamp(stamp, "next"), pk=int(pk))
        except (binascii.Error, UnicodeDecodeError, ValueError, TaxiiError):
            raise TaxiiError(
                400, _("Bad next"), _("next is not a value this server gave out.")
            ) from None


@dataclass
class TaxiiQuery:
    """The parsed query parameters of one request."""

    added_after: datetime | None = None
    ids: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    versions: list[str] = field(default_factory=lambda: ["last"])
    versions_given: bool = False  # match[version] was sent (DELETE's default is every version)
    spec_versions: list[str] = field(default_factory=list)
    limit: int = 0
    cursor: Cursor | None = None


def _values(params: QueryDict, name: str) -> list[str]:
    values = [v.strip() for raw in params.getlist(name) for v in raw.split(",") if v.strip()]
    if len(values) > _MAX_VALUES:
        raise TaxiiError(
            400,
            _("Too many values"),
            _("%(name)s takes at most %(max)d values.") % {"name": name, "max": _MAX_VALUES},
        )
    return values


def _checked(values: list[str], pattern: re.Pattern, name: str) -> list[str]:
    for value in values:
        if not pattern.match(value):
            raise TaxiiError(
                400,
                _("Bad filter"),
                _("%(name)s: “%(value)s” is not valid.") % {"name": name, "value": value[:80]},
            )
    return values


def _parse_versions(values: list[str]) -> list[str]:
    parsed = []
    for value in values or ["last"]:
        if value in VERSION_KEYWORDS:
            parsed.append(value)
        else:
            parsed.append(format_timestamp(parse_timestamp(value, "match[version]")))
    return parsed


def _parse_limit(value: str | None) -> int:
    maximum = max_page_size()
    if value is None or value == "":
        return maximum
    if not value.isdigit() or int(value) < 1:
        raise TaxiiError(400, _("Bad limit"), _("limit must be a positive whole number."))
    return min(int(value), maximum)


def parse_query(params: QueryDict, *, allow_version: bool = True) -> TaxiiQuery:
    """Parse and check every filter; 400 naming the parameter for a bad value."""
    added_after = params.get("added_after")
    next_value = params.get("next")
    asked_versions = _values(params, "match[version]")
    return TaxiiQuery(
        added_after=parse_timestamp(added_after, "added_after") if added_after else None,
        ids=_checked(_values(params, "match[id]"), _STIX_ID, "match[id]"),
        types=_checked(_values(params, "match[type]"), _STIX_TYPE, "match[type]"),
        versions=_parse_versions(asked_versions) if allow_version else ["all"],
        versions_given=bool(asked_versions),
        spec_versions=_values(params, "match[spec_version]"),
        limit=_parse_limit(params.get("limit")),
        cursor=Cursor.decode(next_value) if next_value else None,
    )


def _version_q(queryset: QuerySet, versions: list[str]) -> Q | None:
    """Any of the requested versions; None when ``all`` makes the filter moot."""
    if "all" in versions:
        return None
    condition: Any = Q(pk__in=[])
    for version in versions:
        if version == "last":
            condition |= Q(is_latest=True)
        elif version == "first":
            earlier = queryset.filter(stix_id=OuterRef("stix_id"), version__lt=OuterRef("version"))
            condition |= ~Exists(earlier)
        else:
            condition |= Q(version=parse_timestamp(version, "match[version]"))
    return condition


def apply_filters(queryset: QuerySet, query: TaxiiQuery) -> QuerySet:
    """The rows the filters select (before paging)."""
    # Versions first: "first" means the first version in the collection, whatever the other
    # filters say.
    version = _version_q(queryset, query.versions)
    if version is not None:
        queryset = queryset.filter(version)
    if query.added_after is not None:
        queryset = queryset.filter(date_added__gt=query.added_after)
    if query.ids:
        queryset = queryset.filter(stix_id__in=query.ids)
    if query.types:
        queryset = queryset.filter(type__in=query.types)
    if query.spec_versions:
        queryset = queryset.filter(spec_version__in=query.spec_versions)
    return queryset


@dataclass
class PageOfRows:
    """One page: the rows (as asked for by ``fields``), whether more follow, and the cursor."""

    rows: list[tuple[Any, ...]]
    more: bool
    next: str | None
    first_added: datetime | None
    last_added: datetime | None


def page_rows(queryset: QuerySet, query: TaxiiQuery, fields: tuple[str, ...]) -> PageOfRows:
    """Read one page in (date_added, pk) order; each row is ``fields`` followed by the pk."""
    if query.cursor is not None:
        after = query.cursor
        # The first condition lets the database walk the index from the cursor on; the second
        # breaks ties between rows added in the same microsecond.
        queryset = queryset.filter(date_added__gte=after.date_added).filter(
            Q(date_added__gt=after.date_added) | Q(pk__gt=after.pk)
        )
    ordered = queryset.order_by("date_added", "pk")
    rows = list(ordered.values_list(*fields, "pk")[: query.limit + 1])
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    if not rows:
        return PageOfRows([], False, None, None, None)
    first_added, last_added = _added_of(queryset.model, rows, fields)
    cursor = Cursor(date_added=last_added, pk=rows[-1][-1]).encode() if more else None
    return PageOfRows(rows, more, cursor, first_added, last_added)


def _added_of(
    model: Any, rows: list[tuple[Any, ...]], fields: tuple[str, ...]
) -> tuple[datetime, datetime]:
    """``date_added`` of the page's first and last rows. Unless the page needs it anyway, it is
    read for those two rows only: turning 1,000 timestamps into Python objects costs more than
    one more indexed query."""
    if "date_added" in fields:
        at = fields.index("date_added")
        return rows[0][at], rows[-1][at]
    first_pk, last_pk = rows[0][-1], rows[-1][-1]
    added = dict(model.objects.filter(pk__in=[first_pk, last_pk]).values_list("pk", "date_added"))
    return added[first_pk], added[last_pk]
