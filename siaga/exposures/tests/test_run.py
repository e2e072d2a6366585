"""The matching run: findings made, refreshed, resolved and reopened; idempotent; due dates."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from siaga.audit.models import AuditEntry
from siaga.exposures.actions import do_match_all, do_match_organization
from siaga.exposures.choices import Certainty, FindingStatus
from siaga.exposures.models import Finding, FindingChange
from siaga.exposures.tests.conftest import make_item, make_product, make_vulnerability
from siaga.vulns.choices import ProductStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(orgs: Any) -> dict[str, Any]:
    kev = make_vulnerability(
        "CVE-2025-1001",
        in_kev=True,
        epss_score=0.9,
        cvss3_score=Decimal("9.8"),
        cvss3_severity="critical",
    )
    plain = make_vulnerability("CVE-2025-1002", cvss3_score=Decimal("5.0"), cvss3_severity="medium")
    make_product(kev, vendor="Contoso", product="Gateway", versions="< 2.0")
    make_product(plain, vendor="Contoso", product="Gateway", versions="with the wireless option")
    make_product(
        plain, vendor="Contoso", product="Gateway", versions="1.5", status=ProductStatus.FIXED
    )
    old = make_item(orgs.hospital, vendor="Contoso Ltd", product="Gateway", version="1.5")
    new = make_item(orgs.other_hospital, vendor="Contoso", product="Gateway", version="2.1")
    return {"kev": kev, "plain": plain, "old": old, "new": new}


def test_first_run_makes_findings_with_copied_facts(orgs: Any, scene: dict[str, Any]) -> None:
    result = do_match_all(notify=False)
    assert (result.created, result.updated, result.resolved) == (3, 0, 0)
    kev_finding = Finding.objects.get(inventory_item=scene["old"], vulnerability=scene["kev"])
    assert kev_finding.organization == orgs.hospital
    assert kev_finding.certainty == Certainty.VERSION
    assert kev_finding.in_kev and kev_finding.epss_score == 0.9
    assert kev_finding.cvss_score == Decimal("9.8") and kev_finding.cvss_severity == "critical"
    assert kev_finding.due_date == timezone.localdate(kev_finding.first_seen) + timedelta(days=14)
    assert kev_finding.status == FindingStatus.OPEN
    # Free text: a finding of unknown certainty on both items, whatever their versions.
    unknown = Finding.objects.filter(vulnerability=scene["plain"])
    assert {f.inventory_item_id for f in unknown} == {scene["old"].pk, scene["new"].pk}
    assert {f.certainty for f in unknown} == {Certainty.UNKNOWN}
    assert unknown[0].due_date == timezone.localdate(unknown[0].first_seen) + timedelta(days=90)
    # Version 2.1 is outside "< 2.0": no KEV finding for the other hospital.
    assert not Finding.objects.filter(
        inventory_item=scene["new"], vulnerability=scene["kev"]
    ).exists()
    assert AuditEntry.objects.filter(object_type="exposures.finding").count() == 1


def test_second_run_changes_nothing(scene: dict[str, Any]) -> None:
    do_match_all(notify=False)
    before = list(Finding.objects.order_by("pk").values())
    audit_before = AuditEntry.objects.count()
    result = do_match_all(notify=False)
    assert (result.created, result.updated, result.reopened, result.resolved) == (0, 0, 0, 0)
    assert list(Finding.objects.order_by("pk").values()) == before
    assert AuditEntry.objects.count() == audit_before


def test_refresh_resolve_and_reopen(scene: dict[str, Any]) -> None:
    do_match_all(notify=False)
    finding = Finding.objects.get(inventory_item=scene["old"], vulnerability=scene["kev"])
    # The CVE's score changes: refreshed.
    scene["kev"].cvss3_score = Decimal("7.5")
    scene["kev"].cvss3_severity = "high"
    scene["kev"].in_kev = False
    scene["kev"].save()
    result = do_match_all(notify=False)
    assert result.updated == 1
    finding.refresh_from_db()
    assert finding.cvss_score == Decimal("7.5") and not finding.in_kev
    assert finding.due_date == timezone.localdate(finding.first_seen) + timedelta(days=30)
    # The hospital upgrades: the match is gone.
    scene["old"].version = "2.0"
    scene["old"].save()
    result = do_match_all(notify=False)
    assert result.resolved == 1
    finding.refresh_from_db()
    assert finding.status == FindingStatus.RESOLVED_UNMATCHED
    change = FindingChange.objects.get(finding=finding)
    assert (
        change.automatic
        and change.old_status == "open"
        and change.new_status == "resolved_unmatched"
    )
    # And downgrades again: reopened.
    scene["old"].version = "1.9"
    scene["old"].save()
    result = do_match_all(notify=False)
    assert result.reopened == 1
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN


def test_person_verdicts_are_kept_when_the_match_goes(scene: dict[str, Any]) -> None:
    do_match_all(notify=False)
    Finding.objects.filter(inventory_item=scene["old"]).update(status=FindingStatus.FALSE_POSITIVE)
    scene["old"].delete()
    result = do_match_all(notify=False)
    assert result.resolved == 0
    assert set(Finding.objects.filter(inventory_item=None).values_list("status", flat=True)) == {
        "false_positive"
    }


def test_deleted_item_resolves_its_open_findings(scene: dict[str, Any]) -> None:
    do_match_all(notify=False)
    scene["new"].delete()
    result = do_match_all(notify=False)
    assert result.resolved == 1


@override_settings(
    SIAGA_FINDING_DUE_DAYS={
        "kev": 3,
        "critical": 7,
        "high": 30,
        "medium": 60,
        "low": 90,
        "none": 120,
    }
)
def test_due_policy_is_configurable(scene: dict[str, Any]) -> None:
    do_match_all(notify=False)
    finding = Finding.objects.get(inventory_item=scene["old"], vulnerability=scene["kev"])
    assert finding.due_date == timezone.localdate(finding.first_seen) + timedelta(days=3)


def test_one_organization_only(orgs: Any, scene: dict[str, Any]) -> None:
    result = do_match_organization(orgs.other_hospital.pk, notify=False)
    assert result.items == 1
    assert set(Finding.objects.values_list("organization_id", flat=True)) == {
        orgs.other_hospital.pk
    }
    # The other constituent's findings are not touched by a run for this one.
    do_match_all(notify=False)
    result = do_match_organization(orgs.other_hospital.pk, notify=False)
    assert (result.created, result.resolved) == (0, 0)
    assert Finding.objects.filter(organization=orgs.hospital).count() == 2


def test_rejected_cve_resolves(scene: dict[str, Any]) -> None:
    do_match_all(notify=False)
    scene["kev"].rejected = True
    scene["kev"].save()
    result = do_match_all(notify=False)
    assert result.resolved == 1
