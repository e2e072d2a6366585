"""A quarter of the health sector made through the real actions, for the end-to-end tests of the
sector report (``test_real_assessments`` here and ``tests/browser/test_sector_report_journey``).

Three hospitals answer a NIST CSF 2.0 campaign (the built-in framework file) with known answer
patterns, so their scores can be worked out by hand; one of them also has an earlier result,
accepted in the previous quarter, for the change column. Incidents are opened with known RSIT
classes in the quarter, in the previous quarter (the trend) and at the first instant of the next
one (outside). The quarter is the current one: acceptance is stamped with the time it happens.

Plain functions, no fixtures, so both test trees can use them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import count
from typing import Any

from django.utils import timezone

from siaga.accounts.roles import Role
from siaga.assessments import actions as assessment_actions
from siaga.assessments.frameworks import BUILTIN_DIR, parse_framework
from siaga.assessments.models import Assessment, Campaign, Framework
from siaga.core.testing import make_user
from siaga.incidents.actions.incidents import do_create_incident
from siaga.incidents.models import Incident
from siaga.incidents.taxonomy import RSIT_TYPES_BY_CLASS
from siaga.organizations.choices import ConstituentType, OrganizationKind
from siaga.organizations.models import Organization
from siaga.reports import periods

CSF_FILE = BUILTIN_DIR / "nist-csf-2.0.yaml"
CAMPAIGN = "CSF 2.0 rumah sakit"
BASELINE_CAMPAIGN = "CSF 2.0 baseline"

# Hospital -> the answer given to every question of each CSF function (GV ID PR DE RS RC).
BEKASI, HARAPAN, FATMAWATI = "RSUD Kota Bekasi", "RS Harapan Sehat", "RSUP Fatmawati"
PATTERNS: dict[str, dict[str, str]] = {
    BEKASI: dict.fromkeys(("GV", "ID", "PR", "DE", "RS", "RC"), "fully"),
    HARAPAN: dict.fromkeys(("GV", "ID", "PR", "DE", "RS", "RC"), "partial"),
    FATMAWATI: {
        "GV": "fully",
        "ID": "largely",
        "PR": "largely",
        "DE": "partial",
        "RS": "partial",
        "RC": "not",
    },
}
BASELINE_PATTERN = dict.fromkeys(("GV", "ID", "PR", "DE", "RS", "RC"), "largely")

# Worked out by hand: CSF 2.0 has 106 subcategories, all of weight 1 (GV 31, ID 21, PR 22, DE 11,
# RS 13, RC 8) and answers worth 0-3 points, so a score is points earned / 318.
#   Bekasi: 318/318 = 100.0; Harapan: 106/318 = 33.3;
#   Fatmawati: (31*3 + 21*2 + 22*2 + 11 + 13 + 0) = 203/318 = 63.8; Bekasi before: 212/318 = 66.7.
EXPECTED_SCORES = {BEKASI: 100.0, HARAPAN: 33.3, FATMAWATI: 63.8}
EXPECTED_MATURITY = {
    BEKASI: ("Tier 4 — Adaptive", "Tingkat 4 — Adaptif"),
    HARAPAN: ("Tier 1 — Partial", "Tingkat 1 — Parsial"),
    FATMAWATI: ("Tier 2 — Risk informed", "Tingkat 2 — Berbasis risiko"),
}
BASELINE_SCORE = 66.7
EXPECTED_CHANGE = {BEKASI: 33.3, HARAPAN: None, FATMAWATI: None}

# (RSIT class, hours after the quarter's first instant) of the incidents reported in the quarter.
INSIDE = [
    ("intrusions", 1),
    ("intrusions", 24 * 9),
    ("intrusions", 24 * 30),
    ("malicious-code", 24 * 3),
    ("malicious-code", 24 * 40),
    ("availability", 24 * 55),
]
# (RSIT class, hours before the quarter's first instant): the previous quarter.
BEFORE = [("intrusions", 1 / 60), ("fraud", 24 * 20)]
EXPECTED_BY_CLASS = {
    "intrusions": (3, 1),
    "malicious-code": (2, 0),
    "availability": (1, 0),
    "fraud": (0, 1),
}
EXPECTED_TOTAL, EXPECTED_PREVIOUS = 6, 2

_emails = count(1)


@dataclass
class World:
    """What the tests need to find again: the quarter, the people and the hospitals' results."""

    period: periods.Period
    lead: Any
    hospitals: dict[str, Organization]
    admins: dict[str, Any]
    campaign: Campaign
    assessments: dict[str, Assessment]
    answers: dict[str, dict[str, str]]
    baseline: Assessment
    incidents: dict[str, list[Incident]] = field(default_factory=dict)


def current_quarter(now: datetime | None = None) -> periods.Period:
    return periods.quarter_of(periods.local_today(now or timezone.now()))


def load_csf() -> Framework:
    text = CSF_FILE.read_text(encoding="utf-8")
    framework, _created = assessment_actions.do_load_framework(parse_framework(text), text)
    return framework


def make_hospitals() -> tuple[dict[str, Organization], dict[str, Any]]:
    hospitals, admins = {}, {}
    for name in (BEKASI, HARAPAN, FATMAWATI):
        hospital = Organization.objects.create(
            name=name, kind=OrganizationKind.CONSTITUENT, constituent_type=ConstituentType.HOSPITAL
        )
        hospitals[name] = hospital
        admins[name] = make_user(
            f"admin{next(_emails)}@{name.split()[-1].lower()}.test",
            hospital,
            Role.CONSTITUENT_ADMIN,
        )
    return hospitals, admins


def answers_for(framework: Framework, pattern: dict[str, str]) -> dict[str, str]:
    """Every question of the framework answered with its function's value in ``pattern``."""
    return {
        question["id"]: pattern[area["id"]]
        for area in framework.definition["areas"]
        for question in area["questions"]
    }


def send_campaign(lead: Any, framework: Framework, name: str, hospitals: list[Any]) -> Campaign:
    data = {
        "name": name,
        "framework": framework,
        "deadline": timezone.localdate() + timedelta(days=21),
        "organizations": hospitals,
    }
    campaign = assessment_actions.check_create_campaign(lead, data)
    return assessment_actions.check_send(lead, campaign)


def answer(admin: Any, assessment: Assessment, values: dict[str, str]) -> None:
    entries = {qid: assessment_actions.Entry(value) for qid, value in values.items()}
    assessment_actions.check_save_answers(admin, assessment, entries)


def answer_submit_accept(lead: Any, admin: Any, assessment: Assessment, values: dict) -> None:
    answer(admin, assessment, values)
    assessment_actions.check_submit(admin, assessment)
    assessment_actions.check_accept(lead, assessment)


def _baseline(world_lead: Any, framework: Framework, hospital: Any, admin: Any) -> Assessment:
    """Bekasi's earlier result, accepted (moved back) in the middle of the previous quarter."""
    campaign = send_campaign(world_lead, framework, BASELINE_CAMPAIGN, [hospital])
    assessment = campaign.assessments.get()
    answer_submit_accept(world_lead, admin, assessment, answers_for(framework, BASELINE_PATTERN))
    earlier = current_quarter().previous().start_at + timedelta(days=40)
    Assessment.objects.filter(pk=assessment.pk).update(
        submitted_at=earlier - timedelta(days=1), accepted_at=earlier
    )
    assessment.refresh_from_db()
    return assessment


def place_incidents(period: periods.Period, lead: Any, hospitals: list[Any]) -> dict[str, list]:
    """The quarter's incidents (``INSIDE``), the previous quarter's (``BEFORE``), and one reported
    at the first instant of the next quarter (outside: periods are half-open)."""

    def open_incident(rsit_class: str, when: datetime, hospital: Any) -> Incident:
        fields = {
            "title": f"{rsit_class} at {hospital.name}",
            "rsit_class": rsit_class,
            "rsit_type": RSIT_TYPES_BY_CLASS[rsit_class][0],
        }
        relations = {"affected_constituents": [hospital]}
        return do_create_incident(fields, relations, by=lead, reported_at=when)

    start = period.start_at
    return {
        "inside": [
            open_incident(code, start + timedelta(hours=hours), hospitals[n % len(hospitals)])
            for n, (code, hours) in enumerate(INSIDE)
        ],
        "before": [
            open_incident(code, start - timedelta(hours=hours), hospitals[0])
            for code, hours in BEFORE
        ],
        "after": [open_incident("vulnerable", period.end_at, hospitals[1])],
    }


def build_world(lead: Any, *, leave_submitted_to: str = "") -> World:
    """The campaign sent, answered and accepted (all but ``leave_submitted_to``'s, which is
    answered but left for its administrator to submit), and the incidents placed."""
    framework = load_csf()
    hospitals, admins = make_hospitals()
    baseline = _baseline(lead, framework, hospitals[BEKASI], admins[BEKASI])
    campaign = send_campaign(lead, framework, CAMPAIGN, list(hospitals.values()))
    assessments = {row.organization.name: row for row in campaign.assessments.all()}
    answers = {name: answers_for(framework, PATTERNS[name]) for name in hospitals}
    for name, assessment in assessments.items():
        if name == leave_submitted_to:
            answer(admins[name], assessment, answers[name])
        else:
            answer_submit_accept(lead, admins[name], assessment, answers[name])
    period = current_quarter()
    world = World(
        period, lead, hospitals, admins, campaign, assessments, answers, baseline=baseline
    )
    world.incidents = place_incidents(period, lead, list(hospitals.values()))
    return world
