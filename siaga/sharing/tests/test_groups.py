"""Managing sharing groups: who may create, change, add and remove members; what members see."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from siaga.accounts.roles import Role, forget_principal
from siaga.audit.models import AuditEntry
from siaga.core.testing import Personas, api_client_for, login, make_user
from siaga.organizations.choices import OrganizationKind
from siaga.organizations.models import Organization
from siaga.sharing import actions
from siaga.sharing.choices import TLP, Distribution
from siaga.sharing.models import SharingGroup, SharingGroupMember
from siaga.stix.models import StixObject

pytestmark = pytest.mark.django_db


@pytest.fixture
def group(personas: Personas) -> SharingGroup:
    return actions.check_create_group(
        personas.cert_analyst,
        {"name": "Hospitals of Jakarta", "members": [personas.orgs.hospital]},
    )


def member_ids(group: SharingGroup) -> set[int]:
    return set(group.memberships.values_list("organization_id", flat=True))


# --- Actions -------------------------------------------------------------------------------------


def test_creating_makes_the_users_cert_the_owner_and_a_member(
    personas: Personas, group: SharingGroup
) -> None:
    assert group.owner == personas.orgs.cert
    assert member_ids(group) == {personas.orgs.cert.pk, personas.orgs.hospital.pk}
    entry = AuditEntry.objects.filter(object_type="sharing.sharinggroup", object_id=str(group.pk))
    assert entry.filter(changes__has_key="members_added").exists()


@pytest.mark.parametrize(
    "persona", ["coord_member", "constituent_admin", "constituent_reporter", "auditor", "outsider"]
)
def test_only_cert_staff_create_groups(personas: Personas, persona: str) -> None:
    with pytest.raises(PermissionDenied):
        actions.check_create_group(personas.by_name(persona), {"name": "Mine"})
    assert not SharingGroup.objects.exists()


def test_a_name_is_taken_whatever_its_case(personas: Personas, group: SharingGroup) -> None:
    with pytest.raises(ValidationError) as raised:
        actions.check_create_group(personas.cert_lead, {"name": "hospitals OF jakarta"})
    assert "exists already" in raised.value.message_dict["name"][0]


def test_analyst_may_not_give_a_group_to_another_cert(personas: Personas) -> None:
    other = Organization.objects.create(name="Another CERT", kind=OrganizationKind.CERT)
    with pytest.raises(ValidationError) as raised:
        actions.check_create_group(personas.cert_analyst, {"name": "X", "owner": other})
    assert "own CERT" in raised.value.message_dict["owner"][0]
    # The CERT's administrator runs the platform and may.
    made = actions.check_create_group(personas.cert_admin, {"name": "X", "owner": other})
    assert made.owner == other


def test_an_inactive_organization_cannot_join(personas: Personas, group: SharingGroup) -> None:
    personas.orgs.agency.is_active = False
    personas.orgs.agency.save()
    with pytest.raises(ValidationError) as raised:
        actions.check_add_member(personas.cert_analyst, group, personas.orgs.agency)
    assert "Test Agency" in raised.value.message_dict["organization"][0]


def test_adding_twice_and_removing_a_non_member_are_clear_errors(
    personas: Personas, group: SharingGroup
) -> None:
    with pytest.raises(ValidationError, match="member already"):
        actions.check_add_member(personas.cert_analyst, group, personas.orgs.hospital)
    with pytest.raises(ValidationError, match="not a member"):
        actions.check_remove_member(personas.cert_analyst, group, personas.orgs.agency)
    with pytest.raises(ValidationError, match="owner organization cannot leave"):
        actions.check_remove_member(personas.cert_analyst, group, personas.orgs.cert)


@pytest.mark.parametrize(
    "persona",
    ["coord_member", "constituent_admin", "constituent_reporter", "auditor", "outsider"],
)
def test_members_and_others_cannot_manage(
    personas: Personas, group: SharingGroup, persona: str
) -> None:
    user = personas.by_name(persona)
    assert not actions.may_manage(user, group)
    with pytest.raises(PermissionDenied):
        actions.check_add_member(user, group, personas.orgs.agency)
    with pytest.raises(PermissionDenied):
        actions.check_remove_member(user, group, personas.orgs.hospital)
    with pytest.raises(PermissionDenied):
        actions.check_change_group(user, group, {"name": "Taken over"})
    with pytest.raises(PermissionDenied):
        actions.check_deactivate_group(user, group)
    assert member_ids(group) == {personas.orgs.cert.pk, personas.orgs.hospital.pk}


def test_staff_of_another_cert_cannot_manage_but_its_admin_can(personas: Personas) -> None:
    other = Organization.objects.create(name="Regional CERT", kind=OrganizationKind.CERT)
    regional_analyst = make_user("analyst@regional.test", other, Role.CERT_ANALYST)
    group = actions.check_create_group(personas.cert_admin, {"name": "Regional", "owner": other})
    assert actions.may_manage(regional_analyst, group)
    assert not actions.may_manage(personas.cert_analyst, group)  # staff of the other CERT
    assert actions.may_manage(personas.cert_admin, group)


def test_change_refuses_unknown_fields_and_saves_nothing_on_error(
    personas: Personas, group: SharingGroup
) -> None:
    with pytest.raises(ValidationError) as raised:
        actions.check_change_group(personas.cert_lead, group, {"owner": personas.orgs.agency})
    assert "owner" in raised.value.message_dict
    with pytest.raises(ValidationError):
        actions.check_change_group(personas.cert_lead, group, {"name": "", "description": "new"})
    group.refresh_from_db()
    assert (group.name, group.description) == ("Hospitals of Jakarta", "")


def test_members_see_the_group_and_others_do_not(personas: Personas, group: SharingGroup) -> None:
    for name in ("constituent_admin", "constituent_reporter", "cert_analyst", "auditor"):
        assert actions.visible_groups(personas.by_name(name)).filter(pk=group.pk).exists(), name
    for name in ("other_reporter", "coord_member", "outsider"):
        assert not actions.visible_groups(personas.by_name(name)).exists(), name


def test_access_ends_when_an_organization_leaves(personas: Personas, group: SharingGroup) -> None:
    shared = StixObject.objects.create(
        stix_id="indicator--00000000-0000-4000-8000-000000000001",
        type="indicator",
        version=datetime(2026, 11, 30, tzinfo=UTC),
        raw="{}",
        tlp=TLP.AMBER,
        distribution=Distribution.SHARING_GROUP,
        sharing_group=group,
        organization=personas.orgs.cert,
        created_by=personas.cert_analyst,
    )
    reporter = personas.constituent_reporter
    assert StixObject.objects.restrict(reporter, "view").filter(pk=shared.pk).exists()

    actions.check_remove_member(personas.cert_analyst, group, personas.orgs.hospital)
    forget_principal(reporter)  # a new request: the principal is built afresh
    assert not StixObject.objects.restrict(reporter, "view").filter(pk=shared.pk).exists()
    assert not actions.visible_groups(reporter).exists()  # nor the group itself
    entry = AuditEntry.objects.filter(object_id=str(group.pk), changes__has_key="members_removed")
    assert entry.exists()


def test_deactivating_stops_the_sharing_but_keeps_members(
    personas: Personas, group: SharingGroup
) -> None:
    shared = StixObject.objects.create(
        stix_id="indicator--00000000-0000-4000-8000-000000000002",
        type="indicator",
        version=datetime(2026, 11, 30, tzinfo=UTC),
        raw="{}",
        tlp=TLP.GREEN,
        distribution=Distribution.SHARING_GROUP,
        sharing_group=group,
        organization=personas.orgs.cert,
    )
    actions.check_deactivate_group(personas.cert_lead, group)
    reporter = personas.constituent_reporter
    assert not StixObject.objects.restrict(reporter, "view").filter(pk=shared.pk).exists()
    assert member_ids(group) == {personas.orgs.cert.pk, personas.orgs.hospital.pk}
    with pytest.raises(ValidationError, match="deactivated"):
        actions.check_add_member(personas.cert_lead, group, personas.orgs.agency)


# --- Pages ---------------------------------------------------------------------------------------


def test_list_page_shows_visible_groups_only(
    client: Client, personas: Personas, group: SharingGroup
) -> None:
    SharingGroup.objects.create(name="Agencies only", owner=personas.orgs.cert)
    page = login(client, personas.constituent_admin).get(reverse("sharing:group-list"))
    assert page.status_code == 200
    assert b"Hospitals of Jakarta" in page.content
    assert b"Agencies only" not in page.content
    assert b"New sharing group" not in page.content


def test_create_page_makes_a_group(client: Client, personas: Personas) -> None:
    login(client, personas.cert_analyst)
    response = client.post(
        reverse("sharing:group-create"),
        {"name": "Labs", "description": "Laboratories", "members": [personas.orgs.agency.pk]},
    )
    group = SharingGroup.objects.get(name="Labs")
    assert response.status_code == 302
    assert response["Location"] == reverse("sharing:group-detail", args=[group.pk])
    assert member_ids(group) == {personas.orgs.cert.pk, personas.orgs.agency.pk}


def test_create_page_names_the_problem(
    client: Client, personas: Personas, group: SharingGroup
) -> None:
    login(client, personas.cert_analyst)
    response = client.post(reverse("sharing:group-create"), {"name": "HOSPITALS of Jakarta"})
    assert response.status_code == 200
    assert b"exists already" in response.content


def test_detail_page_for_a_member_is_read_only(
    client: Client, personas: Personas, group: SharingGroup
) -> None:
    page = login(client, personas.constituent_reporter).get(
        reverse("sharing:group-detail", args=[group.pk])
    )
    assert page.status_code == 200
    assert b"Test Hospital" in page.content and b"Test CERT" in page.content
    assert reverse("sharing:member-add", args=[group.pk]).encode() not in page.content
    assert b"Deactivate" not in page.content


def test_detail_page_for_a_manager_adds_and_removes(
    client: Client, personas: Personas, group: SharingGroup
) -> None:
    login(client, personas.cert_lead)
    page = client.get(reverse("sharing:group-detail", args=[group.pk]))
    assert b'name="organization"' in page.content
    remove = reverse("sharing:member-remove", args=[group.pk, personas.orgs.hospital.pk])
    assert remove.encode() in page.content

    client.post(
        reverse("sharing:member-add", args=[group.pk]), {"organization": personas.orgs.agency.pk}
    )
    assert personas.orgs.agency.pk in member_ids(group)
    client.post(remove)
    assert personas.orgs.hospital.pk not in member_ids(group)


def test_a_member_cannot_post_to_management_pages(
    client: Client, personas: Personas, group: SharingGroup
) -> None:
    login(client, personas.constituent_admin)
    add = reverse("sharing:member-add", args=[group.pk])
    assert client.post(add, {"organization": personas.orgs.agency.pk}).status_code == 403
    remove = reverse("sharing:member-remove", args=[group.pk, personas.orgs.hospital.pk])
    assert client.post(remove).status_code == 403
    assert client.post(reverse("sharing:group-deactivate", args=[group.pk])).status_code == 403
    assert member_ids(group) == {personas.orgs.cert.pk, personas.orgs.hospital.pk}
    # Someone who does not see the group learns nothing about it.
    login(client, personas.other_reporter)
    assert client.get(reverse("sharing:group-detail", args=[group.pk])).status_code == 404


def test_edit_and_deactivate_pages(client: Client, personas: Personas, group: SharingGroup) -> None:
    login(client, personas.cert_analyst)
    response = client.post(
        reverse("sharing:group-edit", args=[group.pk]), {"name": "Jakarta", "description": "d"}
    )
    assert response.status_code == 302
    client.post(reverse("sharing:group-deactivate", args=[group.pk]))
    group.refresh_from_db()
    assert (group.name, group.description, group.is_active) == ("Jakarta", "d", False)


# --- API -----------------------------------------------------------------------------------------


def test_api_create_get_patch(personas: Personas) -> None:
    api = api_client_for(personas.cert_analyst)
    response = api.post(
        "/api/v1/sharing-groups",
        json.dumps({"name": "API group", "member_ids": [personas.orgs.hospital.pk]}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["owner"]["id"] == personas.orgs.cert.pk
    assert body["member_count"] == 2 and body["may_manage"] is True
    assert {m["organization"]["id"] for m in body["members"]} == {
        personas.orgs.cert.pk,
        personas.orgs.hospital.pk,
    }
    url = f"/api/v1/sharing-groups/{body['id']}"
    patched = api.patch(url, json.dumps({"description": "x"}), content_type="application/json")
    assert patched.json()["description"] == "x"
    patched = api.patch(url, json.dumps({"is_active": False}), content_type="application/json")
    assert patched.json()["is_active"] is False


def test_api_unknown_member_is_a_named_field_error(personas: Personas) -> None:
    api = api_client_for(personas.cert_analyst)
    response = api.post(
        "/api/v1/sharing-groups",
        json.dumps({"name": "API group", "member_ids": [999999]}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "member_ids"
    assert not SharingGroup.objects.exists()


def test_api_members_add_and_remove(personas: Personas, group: SharingGroup) -> None:
    api = api_client_for(personas.cert_lead)
    base = f"/api/v1/sharing-groups/{group.pk}/members"
    body = json.dumps({"organization_id": personas.orgs.agency.pk})
    added = api.post(base, body, content_type="application/json")
    assert added.status_code == 201 and added.json()["member_count"] == 3
    again = api.post(base, body, content_type="application/json")
    assert again.status_code == 422
    assert again.json()["errors"][0]["field"] == "organization"
    assert api.delete(f"{base}/{personas.orgs.hospital.pk}").status_code == 204
    assert api.delete(f"{base}/{personas.orgs.hospital.pk}").status_code == 404
    assert member_ids(group) == {personas.orgs.cert.pk, personas.orgs.agency.pk}


def test_api_member_reads_but_cannot_change(personas: Personas, group: SharingGroup) -> None:
    api = api_client_for(personas.constituent_admin)
    listing = api.get("/api/v1/sharing-groups").json()
    assert [g["name"] for g in listing["results"]] == ["Hospitals of Jakarta"]
    detail = api.get(f"/api/v1/sharing-groups/{group.pk}").json()
    assert detail["may_manage"] is False
    refused = api.delete(f"/api/v1/sharing-groups/{group.pk}/members/{personas.orgs.cert.pk}")
    assert refused.status_code == 403
    outsider = api_client_for(personas.other_reporter)
    assert outsider.get(f"/api/v1/sharing-groups/{group.pk}").status_code == 404
    assert SharingGroupMember.objects.filter(sharing_group=group).count() == 2


def test_cert_admin_creates_through_the_page(client: Client, personas: Personas) -> None:
    login(client, personas.cert_admin)
    assert client.get(reverse("sharing:group-create")).status_code == 200
    client.post(reverse("sharing:group-create"), {"name": "By the admin"})
    assert SharingGroup.objects.get(name="By the admin").owner == personas.orgs.cert
