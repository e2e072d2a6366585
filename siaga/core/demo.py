"""The demo data set: the CERT, three member agencies, five constituents, one user per role.

Names are invented; e-mail addresses use the reserved ``.example`` domain (RFC 2606).
"""

from __future__ import annotations

from typing import Any

from siaga.accounts.models import User
from siaga.accounts.roles import Role
from siaga.organizations.choices import ConstituentType, OrganizationKind
from siaga.organizations.models import Membership, Organization

DEMO_PASSWORD = "siaga-demo-2026"  # noqa: S105  (printed for the demo; never used in production)

ORGANIZATIONS: list[dict[str, Any]] = [
    {"name": "CSIRT Sektor Kesehatan", "short_name": "Health-CSIRT", "kind": OrganizationKind.CERT},
    {
        "name": "Badan Siber Nasional (contoh)",
        "short_name": "BSN",
        "kind": OrganizationKind.MEMBER_AGENCY,
    },
    {
        "name": "Badan Penyelenggara Jaminan Kesehatan (contoh)",
        "short_name": "BPJK",
        "kind": OrganizationKind.MEMBER_AGENCY,
    },
    {
        "name": "Lembaga Pelindungan Data Pribadi (contoh)",
        "short_name": "LPDP",
        "kind": OrganizationKind.MEMBER_AGENCY,
    },
    {
        "name": "RSUD Sehat Sentosa",
        "short_name": "RSUD-SS",
        "kind": OrganizationKind.CONSTITUENT,
        "constituent_type": ConstituentType.HOSPITAL,
    },
    {
        "name": "Puskesmas Kebon Jeruk Contoh",
        "short_name": "PKM-KJ",
        "kind": OrganizationKind.CONSTITUENT,
        "constituent_type": ConstituentType.CLINIC,
    },
    {
        "name": "Laboratorium Klinik Prima Medika",
        "short_name": "LAB-PM",
        "kind": OrganizationKind.CONSTITUENT,
        "constituent_type": ConstituentType.LABORATORY,
    },
    {
        "name": "Apotek Bersama Farma",
        "short_name": "APT-BF",
        "kind": OrganizationKind.CONSTITUENT,
        "constituent_type": ConstituentType.PHARMACY,
    },
    {
        "name": "PT SIMRS Nusantara Digital",
        "short_name": "SIMRS-ND",
        "kind": OrganizationKind.CONSTITUENT,
        "constituent_type": ConstituentType.HEALTHTECH_VENDOR,
    },
]

# (e-mail, full name, organization short name, role, language)
USERS: list[tuple[str, str, str, str, str]] = [
    ("admin@csirt.siaga.example", "Ayu Lestari", "Health-CSIRT", Role.CERT_ADMIN, "id"),
    ("lead@csirt.siaga.example", "Budi Santoso", "Health-CSIRT", Role.CERT_LEAD, "id"),
    ("analyst@csirt.siaga.example", "Citra Wulandari", "Health-CSIRT", Role.CERT_ANALYST, "en"),
    ("member@bsn.siaga.example", "Dedi Kurniawan", "BSN", Role.COORD_MEMBER, "id"),
    ("admin@rsud-ss.siaga.example", "Eka Putri", "RSUD-SS", Role.CONSTITUENT_ADMIN, "id"),
    ("reporter@rsud-ss.siaga.example", "Fajar Nugroho", "RSUD-SS", Role.CONSTITUENT_REPORTER, "en"),
    ("auditor@csirt.siaga.example", "Gita Maharani", "Health-CSIRT", Role.AUDITOR, "en"),
]


def load_demo_data() -> list[tuple[User, str]]:
    """Create whatever of the demo set is missing; existing rows are left as they are."""
    organizations: dict[str, Organization] = {}
    for spec in ORGANIZATIONS:
        org, _ = Organization.objects.get_or_create(name=spec["name"], defaults=spec)
        organizations[spec["short_name"]] = org
    users: list[tuple[User, str]] = []
    for email, full_name, org_short, role, language in USERS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email, password=DEMO_PASSWORD, full_name=full_name, language=language
            )
        Membership.objects.get_or_create(
            user=user, organization=organizations[org_short], defaults={"role": role}
        )
        users.append((user, role))
    load_domain_demos(organizations)
    return users


def load_domain_demos(organizations: dict[str, Organization]) -> None:
    """Each domain app's own demo rows: registry first, then the reports and incidents on it."""
    from siaga.advisories.demo import load_advisories_demo
    from siaga.assessments.demo import load_demo as load_assessments_demo
    from siaga.constituents.demo import load_constituent_demo
    from siaga.feeds.demo import load_feeds_demo
    from siaga.governance.demo import load_demo as load_governance_demo
    from siaga.incidents.demo import load_incident_demo
    from siaga.reports.demo import load_demo as load_reports_demo
    from siaga.risks.demo import load_demo as load_risks_demo
    from siaga.sharing.demo import seed_sharing_groups
    from siaga.taxii.demo import seed_collections

    load_constituent_demo(organizations)
    seed_sharing_groups()  # after the registry: a hospital's province decides its group
    seed_collections()  # one TAXII collection per sharing group, plus public and community
    load_incident_demo()
    load_feeds_demo()  # after the registry: its events are attributed to the demo hospital
    load_advisories_demo()  # after the registry: it goes to every constituent
    load_assessments_demo()  # after the registry and the demo users: a CSF 2.0 campaign
    load_risks_demo()  # after the demo users: four sector risks and one hospital risk, re-rated
    load_governance_demo()  # representatives, terms of reference, a meeting, the rota, an exercise
    load_reports_demo()  # last: a published report of last quarter and a draft of this one
    load_shared_reference_data()


def load_shared_reference_data() -> None:
    """Public reference data from ../shared/data when the checkout has it (a user's clone has not):
    the MISP warninglists, the KEV catalog and the medical-device CSAF advisories (then matched
    against the demo inventories)."""
    from siaga.vulns.demo import load_shared_vulnerabilities
    from siaga.warninglists.demo import load_shared_warninglists

    load_shared_warninglists()
    load_shared_vulnerabilities()
