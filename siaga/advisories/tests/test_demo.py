"""The demo: a published announcement to every constituent, and (with ../shared/data) the KEV
catalog and the ICSMA advisories matched against the demo hospital's inventory."""

from __future__ import annotations

from pathlib import Path

import pytest

from siaga.advisories import demo
from siaga.advisories.choices import AdvisoryStatus
from siaga.advisories.models import Advisory, AdvisoryRecipient
from siaga.core.demo import load_demo_data
from siaga.exposures.models import Finding
from siaga.organizations.choices import OrganizationKind
from siaga.organizations.models import Organization
from siaga.vulns.demo import SHARED_DATA, load_shared_vulnerabilities
from siaga.vulns.models import VendorAdvisory

pytestmark = pytest.mark.django_db(transaction=True)

HOSPITAL = "RSUD Sehat Sentosa"


def test_the_announcement_is_published_once_to_every_constituent(settings, tmp_path):
    settings.SIAGA_FEED_REPORT_DIR = tmp_path / "reports"
    load_demo_data()
    demo.load_advisories_demo()  # again: nothing more
    advisory = Advisory.objects.get(title_en=demo.TITLE_EN)
    assert advisory.status == AdvisoryStatus.PUBLISHED
    assert advisory.version == 1
    revision = advisory.revisions.get()
    assert revision.approved_by.email == demo.APPROVER
    assert advisory.created_by.email == demo.AUTHOR
    constituents = Organization.objects.filter(kind=OrganizationKind.CONSTITUENT, is_active=True)
    received = set(AdvisoryRecipient.objects.values_list("organization__name", flat=True))
    assert received == set(constituents.values_list("name", flat=True))
    assert HOSPITAL in received


def test_without_shared_data_nothing_is_imported(tmp_path):
    assert load_shared_vulnerabilities(tmp_path) is False
    assert not VendorAdvisory.objects.exists()


@pytest.mark.skipif(
    not (Path(SHARED_DATA) / "csaf" / "icsma").is_dir(),
    reason="../shared/data/csaf is not here (a user's clone); CI has it",
)
def test_the_demo_hospital_runs_a_device_of_an_icsma_advisory(settings, tmp_path):
    settings.SIAGA_FEED_REPORT_DIR = tmp_path / "reports"
    load_demo_data()
    assert VendorAdvisory.objects.count() >= 60
    findings = Finding.objects.filter(organization__name=HOSPITAL)
    station = findings.filter(inventory_item__product="SpaceStation with SpaceCom 2")
    assert station.exists()
    before = sorted(findings.values_list("pk", "vulnerability__cve_id", "status"))
    assert load_shared_vulnerabilities() is True  # again: the same findings, no more
    assert sorted(findings.values_list("pk", "vulnerability__cve_id", "status")) == before
