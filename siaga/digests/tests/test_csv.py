"""The digest's CSV: columns, extra columns per report family, and formula neutralisation."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from siaga.digests.actions import FORMULA_PREFIXES, build_digest, csv_row, digest_csv, neutralise
from siaga.digests.tests.conftest import NOW, make_event, make_subscription


def _rows(digest) -> list[list[str]]:
    return list(csv.reader(io.StringIO(digest_csv(digest).decode().lstrip("\ufeff"))))


@pytest.mark.django_db
def test_formula_cells_are_neutralised_and_extra_columns_kept(orgs):
    make_event(
        orgs.hospital,
        NOW - timedelta(hours=1),
        source_fqdn='=HYPERLINK("http://evil.test")',
        extra={"tag": "@SUM(1+1)", "rdp_protocol": "RDP", "unlisted": "not shown"},
    )
    digest = build_digest(make_subscription(orgs.hospital, None), NOW)
    header, row = _rows(digest)
    assert header[-3:] == ["extra.tag", "extra.rdp_protocol", "extra.product"]
    cells = dict(zip(header, row, strict=True))
    assert cells["source.fqdn"] == '\'=HYPERLINK("http://evil.test")'
    assert cells["extra.tag"] == "'@SUM(1+1)"
    assert cells["extra.rdp_protocol"] == "RDP"
    assert cells["extra.product"] == ""
    assert "not shown" not in row
    assert cells["time.observation"] == "2026-03-10T05:00:00+00:00"
    assert cells["count"] == "1"


@given(st.text(max_size=60))
def test_no_cell_a_spreadsheet_would_run(text):
    cell = neutralise(text)
    assert not str(cell).startswith(FORMULA_PREFIXES)
    # Nothing is lost: the text is still there after the apostrophe.
    assert str(cell) in (text, "'" + text)


@given(
    st.dictionaries(
        st.sampled_from(["tag", "version", "banner"]),
        st.one_of(st.none(), st.text(max_size=30), st.integers(), st.lists(st.text(max_size=5))),
    ),
    st.one_of(st.none(), st.text(max_size=40)),
)
def test_any_event_values_give_one_row_of_the_header_length(extra, fqdn):
    keys = ["tag", "version", "banner"]
    row = csv_row({"source_fqdn": fqdn, "extra": extra}, keys)
    assert len(row) == 10 + len(keys)
    buffer = io.StringIO()
    csv.writer(buffer).writerow(row)
    (parsed,) = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert len(parsed) == len(row)
    # Only a number (a negative one) may start with "-": a spreadsheet reads it as a number.
    assert all(_is_number(cell) for cell in parsed if cell.startswith(FORMULA_PREFIXES))


def _is_number(cell: str) -> bool:
    try:
        int(cell)
    except ValueError:
        return False
    return True
