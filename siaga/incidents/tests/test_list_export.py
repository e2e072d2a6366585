"""CSV export of the filtered incident list: permission, scope, audit and formula safety."""

import csv
import io

import pytest
from django.urls import reverse

from siaga.audit.choices import AuditAction
from siaga.audit.models import AuditEntry
from siaga.core.testing import api_client_for, login
from siaga.incidents.actions.incidents import safe_cell


def rows_of(response):
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("cert_admin", 200),
        ("cert_lead", 200),
        ("cert_analyst", 200),
        ("auditor", 200),
        ("constituent_admin", 403),
        ("constituent_reporter", 403),
        ("coord_member", 403),
        ("outsider", 403),
    ],
)
def test_who_may_export(client, personas, persona, status):
    login(client, personas.by_name(persona))
    assert client.get(reverse("incidents:export")).status_code == status


def test_export_follows_the_filters_and_is_audited(client, personas, make_incident):
    make_incident(title="Red", tlp="red", affected_constituents=[personas.orgs.hospital])
    make_incident(title="Green", tlp="green")
    login(client, personas.auditor)
    response = client.get(reverse("incidents:export"), {"tlp": "red", "page": "2"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    header, *rows = rows_of(response)
    assert header[:3] == ["Reference", "Title", "Status"]
    assert [row[1] for row in rows] == ["Red"]
    assert rows[0][header.index("Affected constituents")] == "Test Hospital"
    entry = AuditEntry.objects.filter(action=AuditAction.EXPORT).latest("seq")
    assert entry.object_type == "incidents.incident"
    assert entry.changes["rows"] == 1
    assert entry.changes["filters"] == {"query": "tlp=red"}


def test_cells_that_look_like_formulas_are_quoted(client, personas, make_incident):
    make_incident(title='=HYPERLINK("http://evil")')
    make_incident(title="@SUM(A1)")
    login(client, personas.cert_analyst)
    titles = {row[1] for row in rows_of(client.get(reverse("incidents:export")))[1:]}
    assert titles == {'\'=HYPERLINK("http://evil")', "'@SUM(A1)"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+62 21", "'+62 21"),
        ("-cmd", "'-cmd"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("plain", "plain"),
        (None, ""),
        (True, "yes"),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_api_export(personas, make_incident):
    make_incident(title="Phish", rsit_class="fraud", rsit_type="phishing")
    make_incident(title="Other")
    response = api_client_for(personas.cert_analyst).get(
        "/api/v1/incidents/export", {"rsit_type": "phishing"}
    )
    assert response.status_code == 200
    assert [row[1] for row in rows_of(response)[1:]] == ["Phish"]
    refused = api_client_for(personas.constituent_admin).get("/api/v1/incidents/export")
    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/problem+json"
