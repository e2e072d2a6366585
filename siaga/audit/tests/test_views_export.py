"""The CSV export: streamed, the same filters as the list, audited itself, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io

from django.urls import reverse

from siaga.audit.actions import do_record_event
from siaga.audit.choices import AuditAction
from siaga.audit.models import AuditEntry
from siaga.core.testing import login


def export(client, **params) -> list[dict[str, str]]:
    response = client.get(reverse("audit:export"), params)
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="siaga-audit-')
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_export_holds_the_filtered_entries(client, personas):
    for number in range(3):
        do_record_event(AuditAction.EXPORT, object_type="test.report", object_id=f"r-{number}")
    login(client, personas.auditor)
    rows = export(client, object_type="test.report")
    assert [row["object_id"] for row in rows] == ["r-2", "r-1", "r-0"]
    assert rows[0]["action"] == "export"
    assert rows[0]["entry_hash"] == AuditEntry.objects.get(object_id="r-2").entry_hash
    assert rows[0]["created_at"].endswith("+07:00")  # the auditor's zone, WIB


def test_export_writes_its_own_entry_but_not_into_the_file(client, personas):
    login(client, personas.auditor)
    before = AuditEntry.objects.count()
    rows = export(client, action="create")
    entry = AuditEntry.objects.order_by("-seq").first()
    assert AuditEntry.objects.count() == before + 1
    assert (entry.action, entry.object_type) == ("export", "audit.auditentry")
    assert entry.actor_id == personas.auditor.pk
    assert entry.changes == {"rows": len(rows), "filters": {"action": "create"}}
    assert entry.seq not in {int(row["seq"]) for row in rows}
    assert len(rows) == AuditEntry.objects.filter(action="create").count()


def test_formula_cells_are_neutralised(client, personas):
    do_record_event(
        AuditAction.EXPORT,
        object_type="test.report",
        object_id="+1",
        object_repr='=HYPERLINK("http://evil.test","click")',
        changes={"note": "=1+1"},
    )
    do_record_event(
        AuditAction.EXPORT, object_type="test.report", object_id="-2", object_repr="@SUM(A1)"
    )
    login(client, personas.auditor)
    rows = export(client, object_type="test.report")
    assert rows[0]["object_id"] == "'-2"
    assert rows[0]["object_repr"] == "'@SUM(A1)"
    assert rows[1]["object_id"] == "'+1"
    assert rows[1]["object_repr"] == '\'=HYPERLINK("http://evil.test","click")'
    assert rows[1]["changes"] == '{"note": "=1+1"}'  # JSON starts with a brace: harmless


def test_export_needs_permission(client, personas):
    for persona in ("cert_analyst", "constituent_admin"):
        login(client, personas.by_name(persona))
        assert client.get(reverse("audit:export")).status_code == 403
    assert not AuditEntry.objects.filter(object_type="audit.auditentry").exists()


def test_bad_filters_export_nothing(client, personas):
    login(client, personas.auditor)
    response = client.get(reverse("audit:export"), {"date_from": "not-a-date"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("audit:list"))
    assert not AuditEntry.objects.filter(object_type="audit.auditentry").exists()
