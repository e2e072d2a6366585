"""Figures of a set of risks for the heat map page, the dashboards and the sector report.

No permission checks here: callers pass a queryset they already restricted.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet

from siaga.risks.choices import ACTIVE_STATUSES
from siaga.risks.models import Risk
from siaga.risks.scale import get_scale

RATINGS = ("inherent", "residual")


@dataclass(frozen=True)
class HeatMap:
    cells: list[list[int]]  # cells[row][column]; rows = impact highest (row 0) to lowest,
    # columns = likelihood lowest..highest
    impact_labels: list[str]  # top to bottom
    likelihood_labels: list[str]  # left to right


def heat_map(risks: QuerySet[Risk], *, rating: str = "residual") -> HeatMap:
    """How many of the risks sit in each likelihood x impact cell of the given rating."""
    if rating not in RATINGS:
        raise ValueError(f"rating must be one of {RATINGS}, not {rating!r}")
    scale = get_scale()
    rows, columns = scale.impact_steps, scale.likelihood_steps
    cells = [[0] * columns for _ in range(rows)]
    likelihood, impact = f"{rating}_likelihood", f"{rating}_impact"
    counts = risks.order_by().values(likelihood, impact).annotate(n=Count("pk"))
    for entry in counts:
        column, level = entry[likelihood], entry[impact]
        # A rating outside a scale that shrank since is left out rather than misplaced.
        if 1 <= column <= columns and 1 <= level <= rows:
            cells[rows - level][column - 1] += entry["n"]
    return HeatMap(
        cells=cells,
        impact_labels=list(reversed(scale.impact_labels())),
        likelihood_labels=scale.likelihood_labels(),
    )


def open_risks_by_level(risks: QuerySet[Risk]) -> list[tuple[str, int]]:
    """(level label, count) of the risks not closed, by residual level, lowest level first."""
    scale = get_scale()
    counts = dict.fromkeys((level.key for level in scale.levels), 0)
    scores = (
        risks.filter(status__in=list(ACTIVE_STATUSES))
        .order_by()
        .values("residual_score")
        .annotate(n=Count("pk"))
    )
    for entry in scores:
        try:
            counts[scale.level_for_score(entry["residual_score"]).key] += entry["n"]
        except ValueError:
            continue  # a score beyond a scale that shrank since
    return [(level.name, counts[level.key]) for level in scale.levels]
