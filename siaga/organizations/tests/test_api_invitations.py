"""Invitations: who may invite whom, list an organization's invitations, revoke one."""

import pytest
from django.core import mail

from siaga.core.testing import api_client_for
from siaga.organizations.models import Invitation

pytestmark = pytest.mark.django_db


def invite(client, organization, **data):
    return client.post(
        f"/api/v1/organizations/{organization.pk}/invitations",
        data,
        content_type="application/json",
    )


def test_a_constituent_admin_invites_a_reporter_and_the_mail_goes_after_commit(
    personas, django_capture_on_commit_callbacks
):
    client = api_client_for(personas.constituent_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(
            client,
            personas.orgs.hospital,
            email="New.Nurse@Hospital.test",
            role="constituent_reporter",
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "new.nurse@hospital.test"
    assert body["status"] == "open"
    assert body["invited_by"]["id"] == personas.constituent_admin.pk
    assert [message.to for message in mail.outbox] == [["new.nurse@hospital.test"]]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"email": "not-an-address", "role": "constituent_reporter"}, "email"),
        ({"email": "x@hospital.test", "role": "overlord"}, "role"),
        ({"email": "x@hospital.test", "role": "cert_admin"}, "role"),  # not a role a hospital holds
        (
            {"email": "reporter@hospital.test", "role": "constituent_reporter"},
            "email",
        ),  # already a member
    ],
)
def test_bad_invitations_are_422(personas, data, field):
    response = invite(api_client_for(personas.cert_admin), personas.orgs.hospital, **data)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_a_reporter_may_not_invite(personas):
    response = invite(
        api_client_for(personas.constituent_reporter),
        personas.orgs.hospital,
        email="x@hospital.test",
        role="constituent_reporter",
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_inviting_to_an_invisible_organization_is_404(personas):
    response = invite(
        api_client_for(personas.constituent_admin),
        personas.orgs.other_hospital,
        email="x@other.test",
        role="constituent_reporter",
    )
    assert response.status_code == 404


def test_the_invitations_are_listed_for_those_who_may_invite(personas):
    invite(
        api_client_for(personas.cert_admin),
        personas.orgs.hospital,
        email="a@hospital.test",
        role="constituent_reporter",
    )
    url = f"/api/v1/organizations/{personas.orgs.hospital.pk}/invitations"
    body = api_client_for(personas.constituent_admin).get(url).json()
    assert [item["email"] for item in body["results"]] == ["a@hospital.test"]
    assert api_client_for(personas.constituent_reporter).get(url).status_code == 403
    assert api_client_for(personas.other_reporter).get(url).status_code == 404


def test_an_invitation_is_revoked_once(personas):
    invitation_id = invite(
        api_client_for(personas.cert_admin),
        personas.orgs.hospital,
        email="a@hospital.test",
        role="constituent_reporter",
    ).json()["id"]
    client = api_client_for(personas.constituent_admin)
    assert client.delete(f"/api/v1/invitations/{invitation_id}").status_code == 204
    assert Invitation.objects.get(pk=invitation_id).revoked_at is not None
    assert client.delete(f"/api/v1/invitations/{invitation_id}").status_code == 422


def test_others_cannot_find_an_invitation_to_revoke(personas):
    invitation_id = invite(
        api_client_for(personas.cert_admin),
        personas.orgs.hospital,
        email="a@hospital.test",
        role="constituent_reporter",
    ).json()["id"]
    for persona in ("constituent_reporter", "other_reporter", "cert_analyst"):
        assert (
            api_client_for(personas.by_name(persona))
            .delete(f"/api/v1/invitations/{invitation_id}")
            .status_code
            == 404
        )
    assert Invitation.objects.get(pk=invitation_id).revoked_at is None
