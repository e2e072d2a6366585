"""Inviting members: the mail goes out after commit, and only grantable roles can be given."""

from __future__ import annotations

from django.core import mail
from django.urls import reverse

from siaga.core.testing import login
from siaga.organizations.actions import do_invite
from siaga.organizations.models import Invitation


def invite_url(organization) -> str:
    return reverse("organizations:invite", args=[organization.pk])


def test_constituent_admin_invites_a_reporter(client, personas, django_capture_on_commit_callbacks):
    hospital = personas.orgs.hospital
    login(client, personas.constituent_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            invite_url(hospital),
            {"email": "New.Nurse@Hospital.test", "role": "constituent_reporter"},
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("organizations:detail", args=[hospital.pk])
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role) == (
        "new.nurse@hospital.test",
        "constituent_reporter",
    )
    assert invitation.invited_by == personas.constituent_admin
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.nurse@hospital.test"]
    assert "Test Hospital" in message.subject
    assert "/accounts/" in message.body


def test_role_choices_are_those_the_inviter_may_grant_here(client, personas):
    login(client, personas.constituent_admin)
    form = client.get(invite_url(personas.orgs.hospital)).context["form"]
    assert [value for value, _ in form.fields["role"].choices] == [
        "",
        "constituent_admin",
        "constituent_reporter",
    ]
    login(client, personas.cert_admin)
    form = client.get(invite_url(personas.orgs.cert)).context["form"]
    assert "cert_analyst" in [value for value, _ in form.fields["role"].choices]
    assert "constituent_reporter" not in [value for value, _ in form.fields["role"].choices]


def test_a_hospital_cannot_grant_a_cert_role(client, personas, django_capture_on_commit_callbacks):
    login(client, personas.constituent_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            invite_url(personas.orgs.hospital), {"email": "x@evil.test", "role": "cert_analyst"}
        )
    assert response.status_code == 200
    assert "role" in response.context["form"].errors
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_cert_admin_cannot_give_a_cert_role_inside_a_hospital(client, personas):
    login(client, personas.cert_admin)
    response = client.post(
        invite_url(personas.orgs.hospital), {"email": "x@hospital.test", "role": "cert_admin"}
    )
    assert "role" in response.context["form"].errors
    assert not Invitation.objects.exists()


def test_existing_member_is_an_error_on_the_address(client, personas):
    login(client, personas.constituent_admin)
    response = client.post(
        invite_url(personas.orgs.hospital),
        {"email": "reporter@hospital.test", "role": "constituent_reporter"},
    )
    assert "email" in response.context["form"].errors
    assert not Invitation.objects.exists()


def test_who_may_not_invite(client, personas):
    login(client, personas.constituent_reporter)
    data = {"email": "x@hospital.test", "role": "constituent_reporter"}
    assert client.get(invite_url(personas.orgs.hospital)).status_code == 403
    assert client.post(invite_url(personas.orgs.hospital), data).status_code == 403
    login(client, personas.constituent_admin)
    assert client.post(invite_url(personas.orgs.other_hospital), data).status_code == 404
    assert not Invitation.objects.exists()


def test_revoking_an_invitation(client, personas):
    invitation = do_invite(
        personas.orgs.hospital, "late@hospital.test", "constituent_reporter", invited_by=None
    )
    url = reverse("organizations:invitation-revoke", args=[invitation.pk])
    login(client, personas.other_reporter)
    assert client.post(url).status_code == 404
    login(client, personas.constituent_reporter)
    assert client.post(url).status_code in (403, 404)
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    login(client, personas.constituent_admin)
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
