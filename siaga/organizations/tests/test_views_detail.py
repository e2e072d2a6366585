"""An organization's page: profile, the members the user may see, and only the allowed buttons."""

from __future__ import annotations

from django.urls import reverse

from siaga.core.testing import login
from siaga.organizations.actions import do_invite


def detail(client, organization):
    return client.get(reverse("organizations:detail", args=[organization.pk]))


def test_constituent_admin_sees_members_invitations_and_buttons(client, personas):
    hospital = personas.orgs.hospital
    do_invite(hospital, "new@hospital.test", "constituent_reporter", invited_by=personas.cert_admin)
    login(client, personas.constituent_admin)
    response = detail(client, hospital)
    assert response.status_code == 200
    html = response.content.decode()
    assert {m.user.email for m in response.context["members"]} == {
        "admin@hospital.test",
        "reporter@hospital.test",
    }
    assert [i.email for i in response.context["invitations"]] == ["new@hospital.test"]
    assert reverse("organizations:edit", args=[hospital.pk]) in html
    assert reverse("organizations:invite", args=[hospital.pk]) in html


def test_reporter_sees_members_but_no_buttons(client, personas):
    hospital = personas.orgs.hospital
    login(client, personas.constituent_reporter)
    response = detail(client, hospital)
    html = response.content.decode()
    assert len(response.context["members"]) == 2
    assert reverse("organizations:edit", args=[hospital.pk]) not in html
    assert reverse("organizations:invite", args=[hospital.pk]) not in html
    assert response.context["invitations"] == []


def test_coordination_member_sees_the_profile_but_not_the_people(client, personas):
    login(client, personas.coord_member)
    response = detail(client, personas.orgs.hospital)
    assert response.status_code == 200
    assert list(response.context["members"]) == []


def test_organization_outside_scope_is_not_found(client, personas):
    login(client, personas.other_reporter)
    assert detail(client, personas.orgs.hospital).status_code == 404
    assert detail(client, personas.orgs.cert).status_code == 404
