"""The demo data: representatives of five agencies, ToR v1 approved and v2 drafted, a meeting with
decisions and action items, a week of shifts and a tabletop exercise; made once."""

from __future__ import annotations

import pytest

from siaga.core.demo import load_demo_data
from siaga.governance.choices import TermsStatus
from siaga.governance.demo import load_demo
from siaga.governance.models import (
    ActionItem,
    Exercise,
    Meeting,
    OnCallShift,
    Representative,
    TermsOfReferenceVersion,
)
from siaga.organizations.models import Organization

pytestmark = pytest.mark.django_db


def test_demo(monkeypatch):
    monkeypatch.setattr("siaga.core.demo.load_domain_demos", lambda organizations: None)
    load_demo_data()
    assert load_demo() is True
    assert Organization.objects.filter(kind="member_agency").count() == 5
    assert Representative.objects.values("organization").distinct().count() == 6
    versions = list(
        TermsOfReferenceVersion.objects.order_by("number").values_list("number", "status")
    )
    assert versions == [(1, TermsStatus.APPROVED), (2, TermsStatus.DRAFT)]
    meeting = Meeting.objects.get()
    assert (
        meeting.decisions.count() == 2 and ActionItem.objects.filter(meeting=meeting).count() == 2
    )
    assert OnCallShift.objects.count() == 21
    assert Exercise.objects.get().findings.count() == 1
    assert load_demo() is False
    assert Meeting.objects.count() == 1
