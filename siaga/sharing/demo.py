"""Demo sharing groups: the coordination group, and one group per province for its hospitals.

Call ``seed_sharing_groups()`` after the organizations (and the registry's profiles, which say
where each hospital is) exist. Existing groups are left as they are; missing members are added.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction

from siaga.constituents.choices import Province
from siaga.organizations.choices import ConstituentType, OrganizationKind
from siaga.organizations.models import Organization
from siaga.sharing.models import SharingGroup, SharingGroupMember

COORDINATION_GROUP = "Kelompok Koordinasi Siber Kesehatan"
PROVINCE_GROUP = "Rumah sakit {province}"


@transaction.atomic
def seed_sharing_groups() -> list[SharingGroup]:
    """Create the demo groups that are missing; return every demo group (none without a CERT)."""
    cert = Organization.objects.filter(kind=OrganizationKind.CERT, is_active=True).first()
    if cert is None:
        return []
    agencies = Organization.objects.filter(kind=OrganizationKind.MEMBER_AGENCY, is_active=True)
    groups = [
        _group(
            COORDINATION_GROUP,
            "CERT sektor kesehatan dan badan anggota kelompok koordinasi.",
            cert,
            [cert, *agencies],
        )
    ]
    for province, hospitals in sorted(_hospitals_by_province().items()):
        name = PROVINCE_GROUP.format(province=Province(province).label)
        description = f"Rumah sakit di provinsi {Province(province).label} dan CERT."
        groups.append(_group(name, description, cert, [cert, *hospitals]))
    return groups


def _hospitals_by_province() -> dict[str, list[Organization]]:
    found: dict[str, list[Organization]] = defaultdict(list)
    hospitals = Organization.objects.filter(
        kind=OrganizationKind.CONSTITUENT,
        constituent_type=ConstituentType.HOSPITAL,
        is_active=True,
        profile__province__gt="",
    ).select_related("profile")
    for hospital in hospitals:
        found[hospital.profile.province].append(hospital)
    return found


def _group(
    name: str, description: str, owner: Organization, members: list[Organization]
) -> SharingGroup:
    group, _created = SharingGroup.objects.get_or_create(
        name=name, defaults={"description": description, "owner": owner}
    )
    for organization in members:
        SharingGroupMember.objects.get_or_create(sharing_group=group, organization=organization)
    return group
