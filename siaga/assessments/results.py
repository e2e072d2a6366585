"""One assessment's result as the result page and the PDF show it: score per area, maturity, the
gap list, the anonymized peer comparison and the trend across campaigns of the same framework."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from siaga.assessments.actions import definition_of, values_of
from siaga.assessments.models import Assessment
from siaga.assessments.scoring import Definition, PeerStats, Score, peer_stats, pick, score
from siaga.assessments.summary import AssessmentResult, organization_trend


@dataclass
class Result:
    assessment: Assessment
    definition: Definition
    score: Score
    language: str
    peers_by_kind: PeerStats | None
    peers_by_province: PeerStats | None
    trend: list[AssessmentResult]

    def label(self, texts: dict[str, str]) -> str:
        return pick(texts, self.language)

    def area_rows(self) -> list[tuple[str, float]]:
        return [
            (self.label(area.name), self.score.area_percents[area.id])
            for area in self.definition.areas
            if area.id in self.score.area_percents
        ]

    def gap_rows(self) -> list[dict[str, Any]]:
        scale = {item.value: self.label(item.label) for item in self.definition.scale}
        rows = []
        for gap in self.score.gaps:
            action = self.label(gap.question.action) if gap.question.action else ""
            rows.append(
                {
                    "id": gap.question.id,
                    "area": self.label(gap.area.name),
                    "text": self.label(gap.question.text),
                    "answer": scale.get(gap.answer, gap.answer),
                    "weight": gap.question.weight,
                    "action": action,
                }
            )
        return rows

    @property
    def maturity(self) -> str:
        return self.label(self.score.maturity.label) if self.score.maturity else ""

    @property
    def overall(self) -> str:
        return self.label(self.score.result.label) if self.score.result else ""

    @property
    def category(self) -> str:
        return self.label(self.score.category.label) if self.score.category else ""


def _peer_percents(assessment: Assessment, **same: Any) -> list[float]:
    """Accepted scores of other constituents on the same framework version (never their names)."""
    rows = (
        Assessment.objects.filter(
            campaign__framework_id=assessment.campaign.framework_id,
            accepted_at__isnull=False,
            score_percent__isnull=False,
            **same,
        )
        .exclude(organization_id=assessment.organization_id)
        .order_by("organization_id", "-accepted_at")
    )
    latest: dict[int, float] = {}
    for org_id, percent in rows.values_list("organization_id", "score_percent"):
        latest.setdefault(org_id, float(percent or 0))  # each peer once: its latest accepted score
    return list(latest.values())


def result_of(assessment: Assessment, language: str) -> Result:
    definition = definition_of(assessment)
    organization = assessment.organization
    province = getattr(getattr(organization, "profile", None), "province", "")
    by_kind = peer_stats(
        _peer_percents(assessment, organization__constituent_type=organization.constituent_type)
    )
    by_province = (
        peer_stats(_peer_percents(assessment, organization__profile__province=province))
        if province
        else None
    )
    return Result(
        assessment=assessment,
        definition=definition,
        score=score(definition, values_of(assessment)),
        language=language,
        peers_by_kind=by_kind,
        peers_by_province=by_province,
        trend=organization_trend(organization.pk, assessment.campaign.framework.slug),
    )
