"""The incident lifecycle: which status may follow which, and what each step records.

new → triage → analysis → containment → eradication → recovery → closed. Analysts may skip forward
where the work allows it (a phishing report needs no eradication), step back when new facts turn up
(containment → analysis), close any open incident, and reopen a closed one into analysis (with a
note saying why).
"""

from __future__ import annotations

from siaga.incidents.choices import IncidentStatus as S

TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.NEW: (S.TRIAGE, S.ANALYSIS, S.CLOSED),
    S.TRIAGE: (S.ANALYSIS, S.CONTAINMENT, S.CLOSED),
    S.ANALYSIS: (S.CONTAINMENT, S.ERADICATION, S.RECOVERY, S.CLOSED, S.TRIAGE),
    S.CONTAINMENT: (S.ERADICATION, S.RECOVERY, S.CLOSED, S.ANALYSIS),
    S.ERADICATION: (S.RECOVERY, S.CLOSED, S.CONTAINMENT, S.ANALYSIS),
    S.RECOVERY: (S.CLOSED, S.ERADICATION, S.ANALYSIS),
    S.CLOSED: (S.ANALYSIS,),  # reopen
}

# The timestamps a status stamps the first time it is reached (later passes keep the first time,
# which is what MTTA/MTTR measure). Triage is done once the incident goes past it (into analysis
# or further), or when a report was triaged into a new incident (``siaga.incidents.actions``).
STAMPS: dict[str, tuple[str, ...]] = {
    S.ANALYSIS: ("triaged_at",),
    S.CONTAINMENT: ("triaged_at", "contained_at"),
    S.ERADICATION: ("triaged_at",),
    S.RECOVERY: ("triaged_at", "resolved_at"),
    S.CLOSED: ("triaged_at", "resolved_at", "closed_at"),
}


def allowed_targets(status: str) -> tuple[str, ...]:
    return TRANSITIONS.get(status, ())


def is_allowed(current: str, target: str) -> bool:
    return target in allowed_targets(current)


def is_reopen(current: str, target: str) -> bool:
    return current == S.CLOSED and target != S.CLOSED
