"""Accepting an invitation: the account and membership are created once; the link then stops working."""

from __future__ import annotations

from django.urls import reverse

from siaga.accounts.models import User
from siaga.accounts.roles import Role
from siaga.organizations.models import Invitation, Membership, hash_invitation_key

NEW_PASSWORD = "lighthouse-mango-quarter-57"


def invite(
    organization, email: str, role: str = Role.CONSTITUENT_REPORTER
) -> tuple[Invitation, str]:
    """An open invitation and its raw key (which otherwise only ever travels in the e-mail)."""
    key = Invitation.generate_key()
    invitation = Invitation.objects.create(
        email=email,
        organization=organization,
        role=role,
        key_hash=hash_invitation_key(key),
        expires_at=Invitation.default_expiry(),
    )
    return invitation, key


def accept_url(key: str) -> str:
    return reverse("accounts:accept-invitation", args=[key])


def new_member_form(**changes: str) -> dict[str, str]:
    data = {"full_name": "Nadia Nurse", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    data.update(changes)
    return data


def test_the_page_shows_organization_and_role(client, personas):
    _, key = invite(personas.orgs.hospital, "nurse@hospital.test")
    response = client.get(accept_url(key))
    assert response.status_code == 200
    assert "Test Hospital" in response.text
    assert "Constituent reporter" in response.text
    assert "nurse@hospital.test" in response.text


def test_accepting_creates_the_user_and_membership_once(client, personas):
    invitation, key = invite(personas.orgs.hospital, "nurse@hospital.test")
    response = client.post(accept_url(key), new_member_form())
    assert response.status_code == 302
    user = User.objects.get(email="nurse@hospital.test")
    assert user.full_name == "Nadia Nurse"
    assert user.check_password(NEW_PASSWORD)
    membership = Membership.objects.get(user=user)
    assert (membership.organization, membership.role) == (
        personas.orgs.hospital,
        Role.CONSTITUENT_REPORTER,
    )
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert client.get(reverse("core:home")).status_code == 200  # signed in as the new member

    # The same link again: refused, and nothing more is created.
    client.post(reverse("accounts:logout"))
    again = client.post(accept_url(key), new_member_form(full_name="Someone Else"))
    assert again.status_code == 410
    assert client.get(accept_url(key)).status_code == 410
    assert User.objects.filter(email="nurse@hospital.test").count() == 1
    assert Membership.objects.filter(user=user).count() == 1


def test_an_unknown_key_is_not_found(client, db):
    response = client.get(accept_url("not-a-real-key"))
    assert response.status_code == 404
    assert "Invitation not found" in response.text


def test_an_expired_invitation_is_gone(client, personas):
    invitation, key = invite(personas.orgs.hospital, "late@hospital.test")
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=invitation.created_at)
    assert client.get(accept_url(key)).status_code == 410
    assert client.post(accept_url(key), new_member_form()).status_code == 410
    assert not User.objects.filter(email="late@hospital.test").exists()


def test_a_weak_or_mismatched_password_is_refused_and_nothing_is_created(client, personas):
    invitation, key = invite(personas.orgs.hospital, "nurse@hospital.test")
    weak = client.post(accept_url(key), new_member_form(password1="12345", password2="12345"))
    assert weak.status_code == 400
    assert "password1" in weak.context["form"].errors
    mismatch = client.post(accept_url(key), new_member_form(password2="something-else-entirely"))
    assert mismatch.status_code == 400
    assert "password2" in mismatch.context["form"].errors
    assert not User.objects.filter(email="nurse@hospital.test").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_an_existing_user_joins_and_then_signs_in(client, personas):
    reporter = personas.other_reporter
    _, key = invite(personas.orgs.hospital, reporter.email)
    page = client.get(accept_url(key))
    assert page.context["form"] is None
    response = client.post(accept_url(key))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert Membership.objects.filter(user=reporter, organization=personas.orgs.hospital).exists()
    assert "_auth_user_id" not in client.session  # the link is no password
