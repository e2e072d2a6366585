"""The SVG charts: well-formed XML, escaped labels, edge cases of the data, WeasyPrint renders them."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from siaga.dashboards import charts

SVG = "{http://www.w3.org/2000/svg}"
EVIL = '<script>alert("x")</script>&"\'\x00\x07'


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title_id = root.get("aria-labelledby")
    assert root.find(f"{SVG}title").get("id") == title_id
    return root


def every_chart(label: str, values: list[float]) -> list[str]:
    labels = [label] * len(values)
    return [
        charts.bar_chart(list(zip(labels, values, strict=True)), title=label, unit=label),
        charts.bar_chart(list(zip(labels, values, strict=True)), title=label, horizontal=True),
        charts.line_chart(labels, {label: values, "b": values}, title=label, unit="h"),
        charts.stacked_bar_chart(labels, {label: values, "b": values}, title=label),
    ]


def test_labels_with_script_are_escaped_everywhere():
    heat = charts.heat_map(
        [[1]], row_labels=[EVIL], column_labels=[EVIL], title=EVIL, x_title=EVIL, y_title=EVIL
    )
    for svg in [*every_chart(EVIL, [1, 2, 3]), heat]:
        assert "<script>" not in svg
        assert "&lt;script&gt;" in svg
        root = parse(svg)
        assert root.find(f"{SVG}script") is None
        assert 'alert("x")' in root.find(f"{SVG}title").text


def test_empty_data_says_so():
    with translation.override("en"):
        for svg in every_chart("Incidents", []):
            assert "No data for this period." in svg
            parse(svg)
        assert "No data for this period." in charts.line_chart([], {}, title="t")
    with translation.override("id"):
        svg = charts.bar_chart([], title="Insiden")
    parse(svg)


def test_zero_values_draw_an_axis_without_dividing_by_zero():
    for svg in every_chart("zero", [0, 0, 0]):
        root = parse(svg)
        assert "nan" not in svg.lower()
        assert root.findall(f"{SVG}line") or 'width="0.0"' in svg  # a grid, or empty bars


def test_tiny_values_keep_a_sensible_axis():
    for svg in every_chart("tiny", [5e-324, 1e-12]):
        parse(svg)
        assert "inf" not in svg.lower()


def test_one_value():
    svg = charts.line_chart(["Jan"], {"Phishing": [4]}, title="One month")
    root = parse(svg)
    assert root.find(f"{SVG}polyline") is None
    assert len(root.findall(f"{SVG}circle")) == 1
    for svg in every_chart("one", [7]):
        parse(svg)


@pytest.mark.parametrize("bad", [-1, math.nan, math.inf, -math.inf])
def test_negative_and_nan_are_refused(bad):
    with pytest.raises(ValueError, match=r"chart|series|heat map"):
        charts.bar_chart([("a", bad)], title="t")
    with pytest.raises(ValueError, match=r"chart|series|heat map"):
        charts.line_chart(["a"], {"s": [bad]}, title="t")
    with pytest.raises(ValueError, match=r"chart|series|heat map"):
        charts.stacked_bar_chart(["a"], {"s": [bad]}, title="t")
    with pytest.raises(ValueError, match=r"chart|series|heat map"):
        charts.heat_map(
            [[bad]], row_labels=["r"], column_labels=["c"], title="t", x_title="x", y_title="y"
        )


def test_series_of_the_wrong_length_are_refused():
    with pytest.raises(ValueError, match=r"chart|series|heat map"):
        charts.line_chart(["a", "b"], {"s": [1]}, title="t")
    with pytest.raises(ValueError, match=r"chart|series|heat map"):
        charts.heat_map(
            [[1, 2]], row_labels=["r"], column_labels=["c"], title="t", x_title="x", y_title="y"
        )


def test_long_labels_are_shortened_but_kept_in_the_tooltip():
    long = "Rumah Sakit Umum Daerah Dokter Soetomo Surabaya Provinsi Jawa Timur"
    svg = charts.bar_chart([(long, 3)], title="t", horizontal=True)
    root = parse(svg)
    texts = [t for t in root.iter(f"{SVG}text") if t.find(f"{SVG}title") is not None]
    assert texts[0].find(f"{SVG}title").text == long
    shown = "".join(texts[0].itertext()).replace(long, "")
    assert shown.endswith("…") and len(shown) <= charts.LABEL_CHARS


def test_many_labels_are_slanted():
    labels = [f"2026-{m:02d}" for m in range(1, 13)]
    svg = charts.stacked_bar_chart(labels, {"a": list(range(12)), "b": [1] * 12}, title="t")
    parse(svg)
    assert "rotate(-35" in svg


def test_output_is_deterministic_and_ids_differ_between_charts():
    one = charts.bar_chart([("a", 1)], title="t")
    assert one == charts.bar_chart([("a", 1)], title="t")
    two = charts.bar_chart([("a", 2)], title="t")
    assert parse(one).get("aria-labelledby") != parse(two).get("aria-labelledby")


def test_colours_are_explicit_attributes():
    svg = charts.stacked_bar_chart(["a"], {"x": [1], "y": [2]}, title="t")
    assert "var(" not in svg and "<style" not in svg
    assert f'fill="{charts.PALETTE[0]}"' in svg and f'fill="{charts.PALETTE[1]}"' in svg


def test_heat_map_colours_by_position_and_writes_counts():
    cells = [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    svg = charts.heat_map(
        cells,
        row_labels=["High", "Medium", "Low"],
        column_labels=["Rare", "Possible", "Likely"],
        title="Risks",
        x_title="Likelihood",
        y_title="Impact",
    )
    root = parse(svg)
    rects = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert len(rects) == 9
    # Row 0 is the highest impact: its last column is the highest level, the bottom-left the lowest.
    assert rects[2].get("fill") == charts.HEAT_LEVELS[3][0]
    assert rects[6].get("fill") == charts.HEAT_LEVELS[0][0]
    bold = [
        t.text
        for t in root.iter(f"{SVG}text")
        if t.get("font-size") == "14" and t.get("font-weight")
    ]
    assert [b for b in bold if b.isdigit()] == [str(v) for row in cells for v in row]


def test_numbers_follow_the_active_language():
    with translation.override("en"):
        assert "12,345" in charts.figure_table(["a", "b"], [["x", 12345]], caption="c")
    with translation.override("id"):
        assert "12.345" in charts.figure_table(["a", "b"], [["x", 12345]], caption="c")
        assert "1,5" in charts.fmt(1.5)


def test_figure_table_is_accessible_and_escaped():
    html = charts.figure_table(["Class", "Count"], [[EVIL, 3], ["b", None]], caption=EVIL)
    root = ET.fromstring(html)  # noqa: S314 - our own output
    assert root.find("caption").text.startswith("<script>")
    assert root.find("thead/tr/th").get("scope") == "col"
    first = root.find("tbody/tr")
    assert first.find("th").get("scope") == "row"
    assert first.find("td").get("class") == "num"
    assert "<script>" not in html
    assert "—" in html


def test_figure_table_without_rows():
    with translation.override("en"):
        html = charts.figure_table(["a"], [], caption="c")
    assert "No data for this period." in html
    ET.fromstring(html)  # noqa: S314 - our own output


@settings(max_examples=60, deadline=None)
@given(
    label=st.text(max_size=80),
    values=st.lists(st.floats(min_value=0, max_value=1e9, allow_nan=False), max_size=15),
)
def test_any_label_and_values_give_well_formed_xml(label, values):
    for svg in every_chart(label, values):
        parse(svg)


def test_weasyprint_renders_a_chart_into_a_pdf():
    from weasyprint import HTML

    svg = charts.line_chart(["Jan", "Feb"], {"Phishing": [3, 5]}, title="Insiden")
    table = charts.figure_table(["Bulan", "Jumlah"], [["Jan", 3]], caption="Insiden")
    pdf = HTML(string=f"<html><body>{svg}{table}</body></html>", base_url="data:,").write_pdf()
    assert pdf[:5] == b"%PDF-"
    assert len(pdf) > 1000


@pytest.mark.parametrize(
    ("largest", "top"),
    [
        (1, 4.0),
        (3, 4.0),
        (5, 8.0),
        (9, 12.0),
        (17, 20.0),
        (1000, 1000.0),
        (1001, 1200.0),
        (0.3, 0.4),
        (0, 4.0),
    ],
)
def test_the_axis_ends_on_four_round_steps(largest, top):
    from siaga.dashboards.charts import _nice_max

    assert _nice_max(largest) == top
    step = top / 4
    if float(largest).is_integer():
        assert step.is_integer()  # counts get whole-number gridlines
    assert top >= largest
