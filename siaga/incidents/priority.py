"""An incident's priority (P1-P4), derived from its impact matrix.

Four impact dimensions, each none (0), low (1), medium (2) or high (3): patient safety, service
disruption, records affected and spread. ``score`` is their sum (0-12). The rule, first match wins:

- **P1**: patient safety is high, or at least two dimensions are high.
- **P2**: any one dimension is high, or patient safety is medium, or the score is 6 or more.
- **P3**: the score is 3 or more.
- **P4**: everything else (score 0-2, nothing high, patient safety at most low).

Patient safety weighs most because in a hospital it decides whether people are harmed. The rule is
monotonic: raising any impact never lowers the priority (a test checks all 256 combinations).
"""

from __future__ import annotations

from siaga.incidents.choices import Impact, Priority


def derive_priority(
    patient_safety: int, service_disruption: int, records_affected: int, spread: int
) -> str:
    impacts = (patient_safety, service_disruption, records_affected, spread)
    highs = sum(1 for level in impacts if level == Impact.HIGH)
    score = sum(impacts)
    if patient_safety == Impact.HIGH or highs >= 2:
        return Priority.P1
    if highs or patient_safety == Impact.MEDIUM or score >= 6:
        return Priority.P2
    if score >= 3:
        return Priority.P3
    return Priority.P4
