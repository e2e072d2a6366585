"""Members of an organization: list them, change a member's role, remove a member."""

import pytest

from siaga.core.testing import api_client_for, make_user
from siaga.organizations.models import Membership

pytestmark = pytest.mark.django_db


def membership_of(user):
    return Membership.objects.get(user=user)


def test_members_are_listed_with_user_and_role(personas):
    response = api_client_for(personas.constituent_reporter).get(
        f"/api/v1/organizations/{personas.orgs.hospital.pk}/members"
    )
    body = response.json()
    assert body["count"] == 2
    assert {(m["user"]["email"], m["role"]) for m in body["results"]} == {
        ("admin@hospital.test", "constituent_admin"),
        ("reporter@hospital.test", "constituent_reporter"),
    }


def test_members_filter_by_role(personas):
    url = f"/api/v1/organizations/{personas.orgs.cert.pk}/members?role=auditor"
    results = api_client_for(personas.cert_admin).get(url).json()["results"]
    assert [m["user"]["email"] for m in results] == ["auditor@cert.test"]


def test_members_of_an_invisible_organization_are_404(personas):
    url = f"/api/v1/organizations/{personas.orgs.hospital.pk}/members"
    assert api_client_for(personas.other_reporter).get(url).status_code == 404


def test_a_coordination_member_sees_the_organization_but_not_its_members(personas):
    url = f"/api/v1/organizations/{personas.orgs.hospital.pk}/members"
    body = api_client_for(personas.coord_member).get(url).json()
    assert body["count"] == 0


def test_a_constituent_admin_changes_a_reporters_role(personas):
    membership = membership_of(personas.constituent_reporter)
    response = api_client_for(personas.constituent_admin).patch(
        f"/api/v1/memberships/{membership.pk}",
        {"role": "constituent_admin"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["role"] == "constituent_admin"
    assert response.json()["organization"]["id"] == personas.orgs.hospital.pk
    membership.refresh_from_db()
    assert membership.role == "constituent_admin"


def test_a_role_the_organization_cannot_hold_is_422(personas):
    membership = membership_of(personas.constituent_reporter)
    response = api_client_for(personas.cert_admin).patch(
        f"/api/v1/memberships/{membership.pk}",
        {"role": "cert_analyst"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "role"


def test_nobody_changes_their_own_role(personas):
    membership = membership_of(personas.cert_admin)
    response = api_client_for(personas.cert_admin).patch(
        f"/api/v1/memberships/{membership.pk}", {"role": "auditor"}, content_type="application/json"
    )
    assert response.status_code == 422


def test_a_reporter_may_not_change_roles(personas):
    membership = membership_of(personas.constituent_admin)
    response = api_client_for(personas.constituent_reporter).patch(
        f"/api/v1/memberships/{membership.pk}",
        {"role": "constituent_reporter"},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_a_membership_of_another_organization_is_404(personas):
    membership = membership_of(personas.other_reporter)
    client = api_client_for(personas.constituent_admin)
    url = f"/api/v1/memberships/{membership.pk}"
    assert (
        client.patch(
            url, {"role": "constituent_admin"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert client.delete(url).status_code == 404
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_a_constituent_admin_removes_a_reporter(personas):
    membership = membership_of(personas.constituent_reporter)
    response = api_client_for(personas.constituent_admin).delete(
        f"/api/v1/memberships/{membership.pk}"
    )
    assert response.status_code == 204
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_only_the_cert_removes_a_constituent_admin(personas):
    second_admin = make_user("second@hospital.test", personas.orgs.hospital, "constituent_admin")
    membership = membership_of(second_admin)
    assert (
        api_client_for(personas.constituent_admin)
        .delete(f"/api/v1/memberships/{membership.pk}")
        .status_code
        == 403
    )
    assert (
        api_client_for(personas.cert_admin)
        .delete(f"/api/v1/memberships/{membership.pk}")
        .status_code
        == 204
    )


def test_nobody_removes_themselves(personas):
    membership = membership_of(personas.constituent_admin)
    response = api_client_for(personas.constituent_admin).delete(
        f"/api/v1/memberships/{membership.pk}"
    )
    assert response.status_code == 422
