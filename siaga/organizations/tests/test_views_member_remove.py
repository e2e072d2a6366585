"""Removing members: a hospital cannot remove its own administrators or itself."""

from __future__ import annotations

from django.urls import reverse

from siaga.accounts.roles import Role
from siaga.core.testing import login, make_user
from siaga.organizations.models import Membership


def remove(client, user, organization=None):
    membership = Membership.objects.get(user=user)
    return client.post(reverse("organizations:member-remove", args=[membership.pk]))


def test_constituent_admin_removes_a_reporter(client, personas):
    login(client, personas.constituent_admin)
    response = remove(client, personas.constituent_reporter)
    assert response.status_code == 302
    assert response["Location"] == reverse("organizations:detail", args=[personas.orgs.hospital.pk])
    assert not Membership.objects.filter(user=personas.constituent_reporter).exists()


def test_only_the_cert_removes_a_constituent_admin(client, personas):
    second_admin = make_user("admin2@hospital.test", personas.orgs.hospital, Role.CONSTITUENT_ADMIN)
    login(client, personas.constituent_admin)
    assert remove(client, second_admin).status_code == 403
    assert Membership.objects.filter(user=second_admin).exists()
    login(client, personas.cert_admin)
    assert remove(client, second_admin).status_code == 302
    assert not Membership.objects.filter(user=second_admin).exists()


def test_nobody_removes_themselves(client, personas):
    login(client, personas.cert_admin)
    response = remove(client, personas.cert_admin)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "organizations:member", args=[Membership.objects.get(user=personas.cert_admin).pk]
    )
    assert Membership.objects.filter(user=personas.cert_admin).exists()


def test_who_may_not_remove(client, personas):
    login(client, personas.constituent_reporter)
    assert remove(client, personas.constituent_admin).status_code == 403
    login(client, personas.cert_lead)
    assert remove(client, personas.constituent_reporter).status_code == 403
    login(client, personas.other_reporter)
    assert remove(client, personas.constituent_reporter).status_code == 404
    assert Membership.objects.filter(user=personas.constituent_reporter).exists()
    assert Membership.objects.filter(user=personas.constituent_admin).exists()
