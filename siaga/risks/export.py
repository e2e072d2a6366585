"""The register as CSV: the rows of the export, each cell safe to open in a spreadsheet."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from siaga.audit.actions import record_export
from siaga.risks.actions import require
from siaga.risks.choices import RiskCategory, RiskStatus, RiskTreatment
from siaga.risks.models import Risk
from siaga.risks.scale import get_scale

EXPORT_HEADER = (
    "id",
    "organization",
    "title",
    "category",
    "asset",
    "owner",
    "inherent_likelihood",
    "inherent_impact",
    "inherent_score",
    "inherent_level",
    "residual_likelihood",
    "residual_impact",
    "residual_score",
    "residual_level",
    "treatment",
    "status",
    "due_date",
    "next_review_date",
    "review_overdue",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def check_export_risks(
    user: Any, risks: QuerySet[Risk], filters: dict[str, Any]
) -> Iterator[list[str]]:
    """The rows of the CSV export (header first), recorded in the audit trail with the filters.

    ``risks`` must already be restricted to what the user may see."""
    require(user, "risk.view")
    rows = risks.select_related("organization", "owner")
    record_export("risks.risk", rows.count(), filters)
    # Labels are read now: the rows are written after the view returned and its language reset.
    categories, treatments = dict(RiskCategory.choices), dict(RiskTreatment.choices)
    statuses = dict(RiskStatus.choices)
    sector = _("Sector")
    scale = get_scale()
    levels = {level.key: level.name for level in scale.levels}

    def level(score: int) -> str:
        try:
            return levels[scale.level_for_score(score).key]
        except ValueError:
            return ""

    def generate() -> Iterator[list[str]]:
        yield list(EXPORT_HEADER)
        for risk in rows.iterator(chunk_size=500):
            cells = [
                risk.pk,
                risk.organization.name if risk.organization else sector,
                risk.title,
                categories.get(risk.category, risk.category),
                risk.asset,
                risk.owner.email if risk.owner else "",
                risk.inherent_likelihood,
                risk.inherent_impact,
                risk.inherent_score,
                level(risk.inherent_score),
                risk.residual_likelihood,
                risk.residual_impact,
                risk.residual_score,
                level(risk.residual_score),
                treatments.get(risk.treatment, risk.treatment),
                statuses.get(risk.status, risk.status),
                risk.due_date.isoformat() if risk.due_date else "",
                risk.next_review_date.isoformat() if risk.next_review_date else "",
                "yes" if risk.review_overdue else "no",
            ]
            yield [safe_cell(cell) for cell in cells]

    return generate()
