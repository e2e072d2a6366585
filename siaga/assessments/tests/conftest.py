"""Fixtures of the assessment tests: a small framework, a campaign sent to the two test hospitals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from siaga.assessments import actions
from siaga.assessments.frameworks import parse_framework
from siaga.assessments.models import Assessment, Campaign, Framework
from siaga.constituents.models import ConstituentProfile
from siaga.core.testing import Personas

SMALL = """\
slug: small-test
version: "1"
name: {en: "Small test framework", id: "Kerangka uji kecil"}
answer_scale:
  - {value: "no", points: 0, label: {en: "No", id: "Tidak"}}
  - {value: "partly", points: 1, label: {en: "Partly", id: "Sebagian"}}
  - {value: "yes", points: 2, label: {en: "Yes", id: "Ya"}}
maturity_levels:
  - {min_percent: 0, label: {en: "Low", id: "Rendah"}}
  - {min_percent: 50, label: {en: "Medium", id: "Sedang"}}
  - {min_percent: 90, label: {en: "High", id: "Tinggi"}}
areas:
  - id: A
    name: {en: "Area A", id: "Area A"}
    questions:
      - {id: A.1, text: {en: "Backups are tested.", id: "Cadangan diuji."}, action: {en: "Test backups.", id: "Uji cadangan."}}
      - {id: A.2, stage: 3, text: {en: "MFA everywhere.", id: "MFA di mana-mana."}, action: {en: "Require MFA.", id: "Wajibkan MFA."}}
  - id: B
    name: {en: "Area B", id: "Area B"}
    questions:
      - {id: B.1, stage: 2, text: {en: "Logs are kept.", id: "Log disimpan."}}
"""
ALL_YES = {"A.1": "yes", "A.2": "yes", "B.1": "yes"}


def small_framework() -> Framework:
    framework, _created = actions.do_load_framework(parse_framework(SMALL), SMALL)
    return framework


@pytest.fixture
def framework(db: Any) -> Framework:
    return small_framework()


def make_campaign(personas: Personas, framework: Framework, **extra: Any) -> Campaign:
    data = {
        "name": extra.pop("name", "Test campaign"),
        "framework": framework,
        "deadline": timezone.localdate() + timedelta(days=extra.pop("days", 20)),
        "organizations": extra.pop(
            "organizations", [personas.orgs.hospital, personas.orgs.other_hospital]
        ),
    }
    return actions.check_create_campaign(personas.cert_lead, data)


@pytest.fixture
def campaign(personas: Personas, framework: Framework) -> Campaign:
    return make_campaign(personas, framework)


@pytest.fixture
def sent(personas: Personas, campaign: Campaign) -> Campaign:
    return actions.check_send(personas.cert_lead, campaign)


@pytest.fixture
def assessment(personas: Personas, sent: Campaign) -> Assessment:
    return Assessment.objects.get(campaign=sent, organization=personas.orgs.hospital)


def answer_all(user: Any, assessment: Assessment, values: dict[str, str] = ALL_YES) -> None:
    entries = {qid: actions.Entry(value) for qid, value in values.items()}
    actions.check_save_answers(user, assessment, entries)


@pytest.fixture
def submitted(personas: Personas, assessment: Assessment) -> Assessment:
    answer_all(personas.constituent_admin, assessment)
    return actions.check_submit(personas.constituent_admin, assessment)


def with_profile(organization: Any, province: str = "31") -> Any:
    ConstituentProfile.objects.get_or_create(
        organization=organization, defaults={"province": province}
    )
    return organization
