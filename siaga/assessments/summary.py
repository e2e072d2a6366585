"""Accepted assessment results for other apps (dashboards, sector reports). No permission checks:
callers check their own. Labels come in the active language."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils.translation import get_language

from siaga.assessments.models import Answer, Assessment
from siaga.assessments.scoring import Definition, pick, score


@dataclass(frozen=True)
class AssessmentResult:
    assessment_id: int
    organization_id: int
    organization_name: str
    framework_name: str  # e.g. "NIST CSF 2.0"
    campaign_name: str
    accepted_at: datetime
    score_percent: float  # 0..100, overall
    maturity: str  # the level's label, translated in the active language
    area_scores: dict[str, float]  # area (function/practice) label -> 0..100


def _language() -> str:
    return (get_language() or "id").split("-")[0]


def _accepted() -> QuerySet[Assessment]:
    return Assessment.objects.filter(accepted_at__isnull=False).select_related(
        "organization", "campaign__framework"
    )


def results_of(assessments: Iterable[Assessment]) -> list[AssessmentResult]:
    """Score each assessment from its answers (two queries in all, one definition per framework)."""
    rows = list(assessments)
    answers: dict[int, dict[str, str]] = defaultdict(dict)
    for assessment_id, question_id, value in Answer.objects.filter(
        assessment_id__in=[row.pk for row in rows]
    ).values_list("assessment_id", "question_id", "value"):
        answers[assessment_id][question_id] = value
    definitions: dict[int, Definition] = {}
    language = _language()
    results = []
    for row in rows:
        framework = row.campaign.framework
        definition = definitions.get(framework.pk)
        if definition is None:
            definition = definitions[framework.pk] = Definition.from_dict(framework.definition)
        result = score(definition, answers[row.pk])
        names = {area.id: pick(area.name, language) for area in definition.areas}
        results.append(
            AssessmentResult(
                assessment_id=row.pk,
                organization_id=row.organization_id,
                organization_name=row.organization.name,
                framework_name=framework.name(language),
                campaign_name=row.campaign.name,
                accepted_at=row.accepted_at,  # type: ignore[arg-type]
                score_percent=result.percent,
                maturity=pick(result.maturity.label, language) if result.maturity else "",
                area_scores={names[key]: value for key, value in result.area_percents.items()},
            )
        )
    return results


def accepted_results(
    start: datetime, end: datetime, *, organization_ids: Collection[int] | None = None
) -> list[AssessmentResult]:
    """Assessments accepted with ``accepted_at`` in [start, end), ordered by organization name."""
    rows = _accepted().filter(accepted_at__gte=start, accepted_at__lt=end)
    if organization_ids is not None:
        rows = rows.filter(organization_id__in=list(organization_ids))
    return results_of(rows.order_by("organization__name", "accepted_at", "pk"))


def organization_trend(
    organization_id: int, framework_slug: str | None = None
) -> list[AssessmentResult]:
    """Every accepted assessment of the organization, oldest first."""
    rows = _accepted().filter(organization_id=organization_id)
    if framework_slug is not None:
        rows = rows.filter(campaign__framework__slug=framework_slug)
    return results_of(rows.order_by("accepted_at", "pk"))


def maturity_distribution(start: datetime, end: datetime) -> list[tuple[str, int]]:
    """(maturity label, number of accepted assessments) in level order, levels with 0 included.

    Frameworks have their own levels: the labels of every framework met are listed, framework by
    framework (by slug), each in its own level order."""
    results = accepted_results(start, end)
    rows = _accepted().filter(accepted_at__gte=start, accepted_at__lt=end)
    language = _language()
    labels: list[str] = []
    seen_frameworks: set[int] = set()
    for framework in sorted(
        {row.campaign.framework for row in rows}, key=lambda f: (f.slug, f.version)
    ):
        if framework.pk in seen_frameworks:
            continue
        seen_frameworks.add(framework.pk)
        for level in Definition.from_dict(framework.definition).levels:
            label = pick(level.label, language)
            if label not in labels:
                labels.append(label)
    counts = dict.fromkeys(labels, 0)
    for result in results:
        counts[result.maturity] = counts.get(result.maturity, 0) + 1
    return list(counts.items())
