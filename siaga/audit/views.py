"""Pages of the audit trail: the list, one entry, and the CSV export.

Only users with ``audit.view`` reach these pages (auditors, CERT administrators); the export also
needs ``audit.export`` and is itself written to the trail. The list pages by sequence number
(keyset paging): no COUNT and no OFFSET, so it stays fast with millions of entries.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import tzinfo
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from siaga.accounts.roles import principal_for
from siaga.audit.actions import record_export
from siaga.audit.filters import AuditFilterForm
from siaga.audit.models import GENESIS_HASH, AuditEntry

PAGE_SIZE = 50
EXPORT_BATCH = 2000  # rows fetched per query while streaming; memory stays flat at any size
EXPORT_COLUMNS = (
    "seq",
    "created_at",
    "actor_id",
    "actor_label",
    "via",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
    "ip_address",
    "user_agent",
    "request_id",
    "prev_hash",
    "entry_hash",
)
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _require(request: HttpRequest, permission: str) -> None:
    if not principal_for(request.user).has_perm(permission):
        raise PermissionDenied


def _int_or_none(text: str | None) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None


def keyset_page(entries: Any, before: int | None, after: int | None) -> dict[str, Any]:
    """One page of entries, newest first, before or after a sequence number."""
    if after is not None:
        rows = list(entries.filter(seq__gt=after).order_by("seq")[: PAGE_SIZE + 1])
        has_newer = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE][::-1]
        has_older = bool(rows) and entries.filter(seq__lt=rows[-1].seq).exists()
    else:
        if before is not None:
            entries = entries.filter(seq__lt=before)
        rows = list(entries.order_by("-seq")[: PAGE_SIZE + 1])
        has_older = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        has_newer = before is not None
    return {
        "entries": rows,
        "newer": rows[0].seq if rows and has_newer else None,
        "older": rows[-1].seq if rows and has_older else None,
        "is_first": before is None and after is None,
    }


@login_required
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    _require(request, "audit.view")
    filters = AuditFilterForm(request.GET)
    entries = filters.apply(AuditEntry.objects.restrict(request.user, "view"))
    page = keyset_page(
        entries, _int_or_none(request.GET.get("before")), _int_or_none(request.GET.get("after"))
    )
    context = {
        "filters": filters,
        "can_export": principal_for(request.user).has_perm("audit.export"),
        **page,
    }
    return render(request, "audit/list.html", context)


def _display(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def change_rows(changes: Any) -> tuple[bool, list[tuple[str, str | None, str | None]]]:
    """The changes of an entry as table rows: (field, before, after), or (key, value, None).

    The first value says whether the rows are before/after pairs. The model signals write
    ``{"new": {...}}`` on create, ``{"old": {...}}`` on delete and ``{field: [old, new]}`` on
    update; other events write free-form details.
    """
    if not isinstance(changes, dict) or not changes:
        return False, []
    if set(changes) == {"new"} and isinstance(changes["new"], dict):
        return True, [(k, None, _display(v)) for k, v in changes["new"].items()]
    if set(changes) == {"old"} and isinstance(changes["old"], dict):
        return True, [(k, _display(v), None) for k, v in changes["old"].items()]
    if all(isinstance(v, list) and len(v) == 2 for v in changes.values()):
        return True, [(k, _display(v[0]), _display(v[1])) for k, v in changes.items()]
    return False, [(k, _display(v), None) for k, v in changes.items()]


@login_required
@require_GET
def audit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "audit.view")
    visible = AuditEntry.objects.restrict(request.user, "view")
    entry = get_object_or_404(visible, pk=pk)
    neighbours = {
        row.seq: row
        for row in visible.filter(seq__in=[entry.seq - 1, entry.seq + 1]).only(
            "pk", "seq", "entry_hash", "prev_hash"
        )
    }
    previous, following = neighbours.get(entry.seq - 1), neighbours.get(entry.seq + 1)
    expected_prev = previous.entry_hash if previous else (GENESIS_HASH if entry.seq == 1 else None)
    before_after, rows = change_rows(entry.changes)
    context = {
        "entry": entry,
        "before_after": before_after,
        "rows": rows,
        "previous": previous,
        "following": following,
        "hash_matches": entry.compute_hash() == entry.entry_hash,
        # None when the previous entry is missing: `siaga audit verify` reports the gap.
        "link_intact": None if expected_prev is None else entry.prev_hash == expected_prev,
    }
    return render(request, "audit/detail.html", context)


def neutralise(value: Any) -> Any:
    """A cell a spreadsheet will show as text, never run as a formula."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class _Echo:
    """A file-like object whose write hands the line back, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(entries: Iterable[AuditEntry], zone: tzinfo) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(EXPORT_COLUMNS)
    for entry in entries:
        values = {
            "created_at": entry.created_at.astimezone(zone).isoformat(),
            "changes": json.dumps(entry.changes, ensure_ascii=False, sort_keys=True),
        }
        yield writer.writerow(
            [neutralise(values.get(name, getattr(entry, name))) for name in EXPORT_COLUMNS]
        )


@login_required
@require_GET
def audit_export(request: HttpRequest) -> HttpResponseBase:
    _require(request, "audit.view")
    _require(request, "audit.export")
    filters = AuditFilterForm(request.GET)
    if not filters.is_valid():
        # Never export more than asked for: show the list with the errors instead.
        return redirect(reverse("audit:list") + "?" + request.GET.urlencode())
    entries = filters.apply(AuditEntry.objects.restrict(request.user, "view"))
    # Fix the newest entry first: the export's own entry (and any written while streaming) stays
    # out of the file, so the count recorded is the count delivered.
    newest = entries.order_by("-seq").values_list("seq", flat=True).first()
    entries = entries.filter(seq__lte=newest) if newest is not None else entries.none()
    count = entries.count()
    record_export("audit.auditentry", count, filters.active_filters())
    # The rows are written after this view has returned, when the middleware has already reset
    # the time zone: take the user's zone along.
    zone = timezone.get_current_timezone()
    rows = entries.order_by("-seq").iterator(chunk_size=EXPORT_BATCH)
    response = StreamingHttpResponse(_csv_lines(rows, zone), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="siaga-audit-{stamp}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
