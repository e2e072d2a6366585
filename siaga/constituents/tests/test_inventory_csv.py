"""Inventory CSV: all-or-nothing import with per-row errors, idempotent re-import, audited export."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siaga.audit.models import AuditEntry
from siaga.constituents import actions
from siaga.constituents.inventory_csv import (
    COLUMNS,
    MAX_BYTES,
    InventoryCsvError,
    parse_inventory_csv,
    write_inventory_csv,
)
from siaga.constituents.models import InventoryItem
from siaga.core.testing import login

HEADER = ",".join(COLUMNS)
SIMRS = "information_system,SIMRS,PT Nusantara,SIMRS Nusantara,4.2,,,critical,yes,Server room,"
PUMP = (
    "medical_device,Infusion pump,B. Braun,Infusomat Space,688F,"
    "cpe:2.3:h:bbraun:infusomat_space:688f:*:*:*:*:*:*:*,,high,no,ICU,"
)


def csv_bytes(*rows, bom=False):
    text = "\r\n".join([HEADER, *rows]) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()


def errors_of(data):
    with pytest.raises(InventoryCsvError) as error:
        parse_inventory_csv(data)
    return [(e.row, e.column) for e in error.value.errors]


def test_rows_are_parsed_with_bom_and_blank_lines():
    rows = parse_inventory_csv(csv_bytes(SIMRS, "", PUMP, bom=True))
    assert [row.row for row in rows] == [2, 4]
    assert rows[0].item.internet_exposed is True
    assert rows[1].item.cpe.startswith("cpe:2.3:h:bbraun")


def test_every_bad_row_and_column_is_reported_with_spreadsheet_row_numbers():
    found = errors_of(
        csv_bytes(
            SIMRS,
            "spaceship,X,,,,,,,,,",
            "medical_device,,,,,,,,,,",
            "other,Y,,,,cpe:2.3:a:bad,,,,,",
            "other,Z,,,,,notapurl,urgent,maybe,,",
            "other,W,,,",
        )
    )
    assert (3, "kind") in found
    assert (4, "name") in found
    assert (5, "cpe") in found
    assert (6, "purl") in found
    assert (6, "criticality") in found
    assert (6, "internet_exposed") in found
    assert (7, "") in found
    assert not any(row == 2 for row, _ in found)


def test_the_same_item_twice_in_one_file_is_an_error():
    assert errors_of(csv_bytes(SIMRS, SIMRS)) == [(3, "")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\xff\xfekind", "not UTF-8"),
        (b"kind,name\r\nother,x\r\n", "missing columns"),
        ((HEADER + ",extra\r\n").encode(), "unknown columns"),
        (b"x" * (MAX_BYTES + 1), "larger than 2 MB"),
        ((HEADER + "\r\n" + "other,a\x00b,,,,,,,,,\r\n").encode(), "NUL"),
    ],
)
def test_file_level_problems_are_clear(data, message):
    with pytest.raises(InventoryCsvError) as error:
        parse_inventory_csv(data)
    assert message in str(error.value)


def test_too_many_rows(monkeypatch):
    from siaga.constituents import inventory_csv

    monkeypatch.setattr(inventory_csv, "MAX_ROWS", 3)
    rows = [f"other,Item {n},,,,,,,,," for n in range(4)]
    with pytest.raises(InventoryCsvError, match="more than 3 rows"):
        parse_inventory_csv(csv_bytes(*rows))


def outcome(data):
    """What the reader made of the data; any other exception fails the test."""
    try:
        rows = parse_inventory_csv(data)
    except InventoryCsvError as error:
        return "refused with errors" if error.errors else "refused without saying why"
    if all(row.item.name or row.item.product for row in rows):
        return "parsed"
    return "parsed an invalid item"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_random_bytes_only_raise_the_import_error(data):
    assert outcome(data) in {"parsed", "refused with errors"}


_cell = st.one_of(
    st.sampled_from(
        ["", "other", "medical_device", "yes", "no", "high", "cpe:2.3:a", "pkg:x/y", '"', "'=1"]
    ),
    st.text(max_size=12),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(_cell, min_size=0, max_size=13), max_size=6), st.booleans())
def test_malformed_rows_only_raise_the_import_error(rows, with_header):
    out = io.StringIO()
    writer = csv.writer(out)
    if with_header:
        writer.writerow(COLUMNS)
    writer.writerows(rows)
    # Lone surrogates become bytes that are not UTF-8: one more kind of malformed input.
    assert outcome(out.getvalue().encode("utf-8", "surrogatepass")) in {
        "parsed",
        "refused with errors",
    }


def test_export_quotes_formulas_and_the_import_reads_them_back():
    item = InventoryItem(kind="other", name="=HYPERLINK(1)", notes="-5 dB", internet_exposed=True)
    text = write_inventory_csv([item])
    assert "'=HYPERLINK(1)" in text
    [row] = parse_inventory_csv(text.encode())
    assert (row.item.name, row.item.notes, row.item.internet_exposed) == (
        "=HYPERLINK(1)",
        "-5 dB",
        True,
    )


# --- Import and export through the actions and pages ---------------------------------------------


@pytest.mark.django_db
def test_import_creates_then_updates_and_a_repeat_changes_nothing(personas):
    hospital = personas.orgs.hospital
    admin = personas.constituent_admin
    first = actions.check_import_inventory(admin, hospital, csv_bytes(SIMRS, PUMP))
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    again = actions.check_import_inventory(admin, hospital, csv_bytes(SIMRS, PUMP))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    changed = actions.check_import_inventory(
        admin, hospital, csv_bytes(SIMRS.replace("critical", "high"))
    )
    assert (changed.created, changed.updated) == (0, 1)
    assert InventoryItem.objects.filter(organization=hospital).count() == 2
    assert InventoryItem.objects.get(name="SIMRS").criticality == "high"


@pytest.mark.django_db
def test_a_bad_row_saves_nothing(personas):
    hospital = personas.orgs.hospital
    with pytest.raises(InventoryCsvError):
        actions.check_import_inventory(
            personas.constituent_admin, hospital, csv_bytes(SIMRS, "spaceship,X,,,,,,,,,")
        )
    assert not InventoryItem.objects.exists()


@pytest.mark.django_db
def test_the_import_page_shows_row_errors(client, personas):
    hospital = personas.orgs.hospital
    login(client, personas.constituent_admin)
    url = reverse("constituents:inventory-import", args=[hospital.pk])
    assert client.get(url).status_code == 200
    upload = SimpleUploadedFile("inv.csv", csv_bytes(SIMRS, "spaceship,X,,,,,,,,,"), "text/csv")
    response = client.post(url, {"file": upload})
    assert response.status_code == 200
    assert [(e.row, e.column) for e in response.context["row_errors"]] == [(3, "kind")]
    assert "Nothing was imported" in response.content.decode()
    upload = SimpleUploadedFile("inv.csv", csv_bytes(SIMRS, PUMP), "text/csv")
    assert client.post(url, {"file": upload}).status_code == 302
    assert InventoryItem.objects.filter(organization=hospital).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("constituent_reporter", 403),
        ("coord_member", 403),
        ("auditor", 403),
        ("other_reporter", 404),
    ],
)
def test_only_those_who_change_the_inventory_import(client, personas, persona, status):
    login(client, personas.by_name(persona))
    url = reverse("constituents:inventory-import", args=[personas.orgs.hospital.pk])
    assert client.get(url).status_code == status


@pytest.mark.django_db
def test_export_downloads_the_csv_and_is_audited(client, personas):
    hospital = personas.orgs.hospital
    actions.check_import_inventory(personas.cert_admin, hospital, csv_bytes(SIMRS, PUMP))
    login(client, personas.auditor)
    response = client.get(reverse("constituents:inventory-export", args=[hospital.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = parse_inventory_csv(response.content)
    assert {row.item.name for row in rows} == {"SIMRS", "Infusion pump"}
    entry = AuditEntry.objects.get(action="export", object_type="constituents.inventoryitem")
    assert entry.changes == {"rows": 2, "filters": {"organization": hospital.pk}}
    login(client, personas.other_reporter)
    assert (
        client.get(reverse("constituents:inventory-export", args=[hospital.pk])).status_code == 404
    )
