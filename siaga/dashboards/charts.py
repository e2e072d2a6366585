"""Charts drawn by the application as inline SVG, for pages and for WeasyPrint PDFs alike.

No JavaScript and no stylesheet: every colour is an explicit ``fill``/``stroke`` attribute (WeasyPrint
ignores CSS variables) and text uses the system fonts. Each chart is an accessible image
(``role="img"``, ``<title>``, ``aria-labelledby``); the numbers behind it go in a ``figure_table``.
Labels arrive already translated; every label is escaped here and characters XML cannot carry are
dropped, so the output always parses as XML. Values must be finite and not negative (counts,
durations, percentages): anything else is a programming error and raises ``ValueError``.
Element ids come from a hash of the chart's content, so the same data gives the same markup.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping, Sequence
from html import escape

from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

FONT = "DejaVu Sans, sans-serif"
WIDTH = 640
TEXT = "#1f2933"
MUTED = "#52606d"
GRID = "#d9dee3"
# Tableau 10: distinct, colour-blind tolerable, the same order on every chart.
PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
# Heat map levels, low to high: (fill, text colour).
HEAT_LEVELS = (
    ("#2e7d32", "#ffffff"),
    ("#f9d648", "#1f2933"),
    ("#f08c2e", "#1f2933"),
    ("#c62828", "#ffffff"),
)
NO_DATA = _("No data for this period.")
LABEL_CHARS = 26

# XML 1.0 forbids most control characters even when escaped; a label carrying one is dropped to "".
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def palette_colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _text(value: object) -> str:
    return escape(_NOT_XML.sub("", str(value)), quote=True)


def _short(label: str, limit: int = LABEL_CHARS) -> str:
    label = _NOT_XML.sub("", str(label))
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _check(values: Sequence[float]) -> list[float]:
    checked = []
    for value in values:
        number = float(value)
        if math.isnan(number) or math.isinf(number) or number < 0:
            raise ValueError(f"chart values must be finite and not negative, got {value!r}")
        checked.append(number)
    return checked


def fmt(value: float) -> str:
    """A value as the active language writes it (whole numbers without decimals)."""
    if float(value).is_integer():
        return number_format(int(value), force_grouping=True)
    return number_format(value, 1, force_grouping=True)


def _nice_max(value: float) -> float:
    """The top of the axis: four equal steps of a round size (1, 2, 2.5, 3 or 5 times 10^k), the
    smallest that reach ``value``; whole steps when the value is a count (no gridline at a quarter
    of an incident)."""
    if value <= 0:
        return 4.0
    wanted = max(value / 4, 0.001)  # nothing shown is smaller; keeps log10 away from zero
    power = 10.0 ** math.floor(math.log10(wanted))
    counts = float(value).is_integer()
    steps = [m * power for m in (1, 2, 2.5, 3, 5, 10)]
    step = next(
        s
        for s in steps
        if s >= wanted and (not counts or float(s).is_integer()) and s >= (1 if counts else 0)
    )
    return float(4 * step)


def _chart_id(kind: str, title: str, payload: object) -> str:
    digest = hashlib.sha256(repr((kind, str(title), payload)).encode()).hexdigest()[:12]
    return f"chart-{kind}-{digest}"


def _svg(chart_id: str, title: str, height: int, body: list[str], unit: str = "") -> SafeString:
    label = f"{title} ({unit})" if unit else str(title)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'aria-labelledby="{chart_id}-title" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" style="max-width:100%;height:auto" '
        f'font-family="{FONT}" font-size="12">'
        f'<title id="{chart_id}-title">{_text(label)}</title>'
        f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>'
        f'<text x="8" y="20" font-size="14" font-weight="bold" fill="{TEXT}">{_text(label)}</text>'
    )
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308 - every label passed _text


def _empty(chart_id: str, title: str, unit: str = "") -> SafeString:
    note = f'<text x="{WIDTH // 2}" y="70" text-anchor="middle" fill="{MUTED}">{_text(gettext(str(NO_DATA)))}</text>'
    return _svg(chart_id, title, 110, [note], unit)


def _y_axis(top: float, x0: int, x1: int, y_top: int, y_bottom: int) -> list[str]:
    parts = []
    for step in range(5):
        value = top * step / 4
        y = y_bottom - (y_bottom - y_top) * step / 4
        parts.append(
            f'<line x1="{x0}" y1="{y:.1f}" x2="{x1}" y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">{_text(fmt(value))}</text>'
        )
    return parts


def _x_labels(labels: Sequence[str], centres: Sequence[float], y: int) -> list[str]:
    slanted = len(labels) > 6
    limit = 14 if slanted else max(6, int(520 / max(1, len(labels)) / 7))
    parts = []
    for label, x in zip(labels, centres, strict=True):
        rotate = f' transform="rotate(-35 {x:.1f} {y})"' if slanted else ""
        anchor = "end" if slanted else "middle"
        parts.append(
            f'<text x="{x:.1f}" y="{y}" text-anchor="{anchor}" fill="{TEXT}"{rotate}>'
            f"<title>{_text(label)}</title>{_text(_short(label, limit))}</text>"
        )
    return parts


def _legend(names: Sequence[str], y: int) -> tuple[list[str], int]:
    """Legend entries in rows under the plot; returns the parts and the height used."""
    parts, x, row = [], 8, 0
    for index, name in enumerate(names):
        shown = _short(name, 30)
        width = 22 + 7 * len(shown) + 14
        if x + width > WIDTH and x > 8:
            x, row = 8, row + 1
        top = y + row * 20
        parts.append(
            f'<rect x="{x}" y="{top}" width="12" height="12" fill="{palette_colour(index)}"/>'
            f'<text x="{x + 18}" y="{top + 11}" fill="{TEXT}"><title>{_text(name)}</title>{_text(shown)}</text>'
        )
        x += width
    return parts, (row + 1) * 20 if names else 0


def bar_chart(
    data: Sequence[tuple[str, float]], *, title: str, unit: str = "", horizontal: bool = False
) -> SafeString:
    """One bar per (label, value); horizontal bars suit long labels (constituent names)."""
    labels = [str(label) for label, _value in data]
    values = _check([value for _label, value in data])
    chart_id = _chart_id("bar", title, (labels, values, unit, horizontal))
    if not values:
        return _empty(chart_id, title, unit)
    top = _nice_max(max(values))
    if horizontal:
        return _svg(chart_id, title, *_horizontal_bars(labels, values, top), unit)
    x0, x1, y_top, y_bottom = 56, WIDTH - 12, 36, 240
    slot = (x1 - x0) / len(values)
    bar = min(48.0, slot * 0.7)
    body = _y_axis(top, x0, x1, y_top, y_bottom)
    centres = []
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        centre = x0 + slot * (index + 0.5)
        height = (y_bottom - y_top) * value / top
        centres.append(centre)
        body.append(
            f'<rect x="{centre - bar / 2:.1f}" y="{y_bottom - height:.1f}" width="{bar:.1f}" '
            f'height="{height:.1f}" fill="{PALETTE[0]}"><title>{_text(label)}: {_text(fmt(value))}</title></rect>'
        )
    body += _x_labels(labels, centres, y_bottom + 16)
    height = y_bottom + (110 if len(values) > 6 else 30)
    return _svg(chart_id, title, height, body, unit)


def _horizontal_bars(labels: list[str], values: list[float], top: float) -> tuple[int, list[str]]:
    x0, x1, row, y = 200, WIDTH - 70, 24, 36
    body = []
    for label, value in zip(labels, values, strict=True):
        width = (x1 - x0) * value / top
        body.append(
            f'<text x="{x0 - 8}" y="{y + 15}" text-anchor="end" fill="{TEXT}"><title>{_text(label)}</title>'
            f"{_text(_short(label))}</text>"
            f'<rect x="{x0}" y="{y + 3}" width="{width:.1f}" height="{row - 6}" fill="{PALETTE[0]}"/>'
            f'<text x="{x0 + width + 6:.1f}" y="{y + 15}" fill="{TEXT}">{_text(fmt(value))}</text>'
        )
        y += row
    return y + 12, body


def _series(labels: Sequence[str], series: Mapping[str, Sequence[float]]) -> dict[str, list[float]]:
    checked = {}
    for name, values in series.items():
        if len(values) != len(labels):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(labels)} labels")
        checked[str(name)] = _check(values)
    return checked


def line_chart(
    labels: Sequence[str], series: Mapping[str, Sequence[float]], *, title: str, unit: str = ""
) -> SafeString:
    """One line per series over the labels (periods), with a dot on every point."""
    labels = [str(label) for label in labels]
    checked = _series(labels, series)
    chart_id = _chart_id("line", title, (labels, checked, unit))
    if not labels or not checked:
        return _empty(chart_id, title, unit)
    top = _nice_max(max((max(values) for values in checked.values() if values), default=0))
    x0, x1, y_top, y_bottom = 56, WIDTH - 12, 36, 240
    slot = (x1 - x0) / len(labels)
    centres = [x0 + slot * (index + 0.5) for index in range(len(labels))]
    body = _y_axis(top, x0, x1, y_top, y_bottom)
    for index, (name, values) in enumerate(checked.items()):
        colour = palette_colour(index)
        points = [
            (x, y_bottom - (y_bottom - y_top) * v / top)
            for x, v in zip(centres, values, strict=True)
        ]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            body.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        for (x, y), label, value in zip(points, labels, values, strict=True):
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
                f"<title>{_text(name)}, {_text(label)}: {_text(fmt(value))}</title></circle>"
            )
    body += _x_labels(labels, centres, y_bottom + 16)
    legend_y = y_bottom + (100 if len(labels) > 6 else 28)
    legend, used = _legend(list(checked), legend_y)
    return _svg(chart_id, title, legend_y + used + 8, body + legend, unit)


def stacked_bar_chart(
    labels: Sequence[str], series: Mapping[str, Sequence[float]], *, title: str
) -> SafeString:
    """One bar per label, stacked from the series in their given order (bottom first)."""
    labels = [str(label) for label in labels]
    checked = _series(labels, series)
    chart_id = _chart_id("stacked", title, (labels, checked))
    if not labels or not checked:
        return _empty(chart_id, title)
    totals = [sum(values[i] for values in checked.values()) for i in range(len(labels))]
    top = _nice_max(max(totals))
    x0, x1, y_top, y_bottom = 56, WIDTH - 12, 36, 240
    slot = (x1 - x0) / len(labels)
    bar = min(48.0, slot * 0.7)
    centres = [x0 + slot * (index + 0.5) for index in range(len(labels))]
    body = _y_axis(top, x0, x1, y_top, y_bottom)
    for column, (centre, label) in enumerate(zip(centres, labels, strict=True)):
        base = float(y_bottom)
        for index, (name, values) in enumerate(checked.items()):
            height = (y_bottom - y_top) * values[column] / top
            if height <= 0:
                continue
            base -= height
            body.append(
                f'<rect x="{centre - bar / 2:.1f}" y="{base:.1f}" width="{bar:.1f}" height="{height:.1f}" '
                f'fill="{palette_colour(index)}"><title>{_text(label)}, {_text(name)}: '
                f"{_text(fmt(values[column]))}</title></rect>"
            )
    body += _x_labels(labels, centres, y_bottom + 16)
    legend_y = y_bottom + (100 if len(labels) > 6 else 28)
    legend, used = _legend(list(checked), legend_y)
    return _svg(chart_id, title, legend_y + used + 8, body + legend)


def heat_level(row: int, column: int, rows: int, columns: int) -> int:
    """0..3, from the cell's position: impact (row 0 = highest) times likelihood (column 0 = lowest)."""
    impact = rows - row
    likelihood = column + 1
    ratio = impact * likelihood / (rows * columns)
    return 0 if ratio <= 0.16 else 1 if ratio <= 0.36 else 2 if ratio <= 0.6 else 3


def heat_map(
    cells: Sequence[Sequence[int]],
    *,
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    title: str,
    x_title: str,
    y_title: str,
) -> SafeString:
    """A risk matrix: cells[r][c], row 0 at the top, coloured by position, the count in the cell."""
    rows, columns = len(row_labels), len(column_labels)
    if len(cells) != rows or any(len(row) != columns for row in cells):
        raise ValueError(
            "heat map cells must have one row per row label and one column per column label"
        )
    counts = [[int(v) for v in _check(row)] for row in cells]
    chart_id = _chart_id(
        "heat", title, (counts, list(map(str, row_labels)), list(map(str, column_labels)))
    )
    if not rows or not columns:
        return _empty(chart_id, title)
    x0, y0 = 170, 40
    cell_w = (WIDTH - x0 - 12) / columns
    cell_h = 44
    body = []
    for r, row in enumerate(counts):
        y = y0 + r * cell_h
        body.append(
            f'<text x="{x0 - 8}" y="{y + cell_h / 2 + 4:.1f}" text-anchor="end" fill="{TEXT}">'
            f"<title>{_text(row_labels[r])}</title>{_text(_short(str(row_labels[r]), 22))}</text>"
        )
        for c, count in enumerate(row):
            fill, ink = HEAT_LEVELS[heat_level(r, c, rows, columns)]
            x = x0 + c * cell_w
            body.append(
                f'<rect x="{x:.1f}" y="{y}" width="{cell_w:.1f}" height="{cell_h}" fill="{fill}" '
                f'stroke="#ffffff" stroke-width="2"><title>{_text(row_labels[r])} / '
                f"{_text(column_labels[c])}: {_text(fmt(count))}</title></rect>"
                f'<text x="{x + cell_w / 2:.1f}" y="{y + cell_h / 2 + 5:.1f}" text-anchor="middle" '
                f'font-size="14" font-weight="bold" fill="{ink}">{_text(fmt(count))}</text>'
            )
    bottom = y0 + rows * cell_h
    limit = max(6, int(cell_w / 7))
    for c, label in enumerate(column_labels):
        x = x0 + (c + 0.5) * cell_w
        body.append(
            f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle" fill="{TEXT}">'
            f"<title>{_text(label)}</title>{_text(_short(str(label), limit))}</text>"
        )
    body.append(
        f'<text x="{x0 + (WIDTH - x0 - 12) / 2:.1f}" y="{bottom + 36}" text-anchor="middle" '
        f'font-weight="bold" fill="{MUTED}">{_text(x_title)}</text>'
        f'<text x="8" y="{y0 - 8}" font-weight="bold" fill="{MUTED}">{_text(y_title)}</text>'
    )
    return _svg(chart_id, title, bottom + 48, body)


def _cell(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _text(value)
    if isinstance(value, (int, float)):
        if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
            return "—"
        return _text(fmt(value))
    return _text(value)


def figure_table(
    headers: Sequence[str], rows: Sequence[Sequence[object]], *, caption: str
) -> SafeString:
    """The numbers behind a chart, as a table (numbers right-aligned, written in the active locale)."""
    head = "".join(f'<th scope="col">{_text(header)}</th>' for header in headers)
    body = []
    for row in rows:
        cells = list(row)
        first = f'<th scope="row">{_cell(cells[0])}</th>' if cells else ""
        rest = "".join(
            f'<td class="{"num" if isinstance(v, (int, float)) and not isinstance(v, bool) else "text"}">'
            f"{_cell(v)}</td>"
            for v in cells[1:]
        )
        body.append(f"<tr>{first}{rest}</tr>")
    if not rows:
        body.append(
            f'<tr><td colspan="{max(1, len(headers))}">{_text(gettext(str(NO_DATA)))}</td></tr>'
        )
    html = (
        f'<table class="table figure-table"><caption>{_text(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )
    return mark_safe(html)  # noqa: S308 - every cell passed _text
