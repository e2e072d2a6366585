"""The demo: sector-level risks and one hospital risk, made once, each re-rated after treatment."""

from __future__ import annotations

import pytest

from siaga.accounts.roles import Role
from siaga.core.testing import make_user
from siaga.organizations.choices import OrganizationKind
from siaga.organizations.models import Organization
from siaga.risks import demo
from siaga.risks.models import Risk

pytestmark = pytest.mark.django_db


def test_the_demo_risks_are_made_once():
    cert = Organization.objects.create(name="CSIRT", kind=OrganizationKind.CERT)
    agency = Organization.objects.create(name="BSN", kind=OrganizationKind.MEMBER_AGENCY)
    hospital = Organization.objects.create(
        name="RSUD Sehat Sentosa", short_name="RSUD-SS", kind=OrganizationKind.CONSTITUENT
    )
    make_user(demo.CERT_LEAD, cert, Role.CERT_LEAD)
    make_user(demo.COORD_MEMBER, agency, Role.COORD_MEMBER)
    make_user(demo.HOSPITAL_ADMIN, hospital, Role.CONSTITUENT_ADMIN)
    made = demo.load_demo()
    assert len(made) == len(demo.SECTOR_RISKS) + 1
    demo.load_demo()
    assert Risk.objects.count() == len(made)
    assert Risk.objects.filter(organization=hospital).count() == 1
    ransomware = Risk.objects.get(title="Ransomware on hospital information systems")
    assert (ransomware.inherent_score, ransomware.residual_score) == (20, 12)
    assert ransomware.ratings.count() == 3
    assert ransomware.owner.email == demo.CERT_LEAD
