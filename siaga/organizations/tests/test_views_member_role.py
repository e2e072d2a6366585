"""Changing a member's role: only roles the changer may grant, never one's own."""

from __future__ import annotations

from django.urls import reverse

from siaga.core.testing import login
from siaga.organizations.models import Membership


def change_role(client, user, role: str):
    membership = Membership.objects.get(user=user)
    response = client.post(
        reverse("organizations:member-role", args=[membership.pk]), {"role": role}
    )
    membership.refresh_from_db()
    return response, membership.role


def test_constituent_admin_promotes_a_reporter(client, personas):
    login(client, personas.constituent_admin)
    response, role = change_role(client, personas.constituent_reporter, "constituent_admin")
    assert response.status_code == 302
    assert role == "constituent_admin"


def test_constituent_admin_cannot_grant_a_cert_role(client, personas):
    login(client, personas.constituent_admin)
    response, role = change_role(client, personas.constituent_reporter, "cert_admin")
    assert response.status_code == 200
    assert "role" in response.context["role_form"].errors
    assert role == "constituent_reporter"


def test_nobody_changes_their_own_role(client, personas):
    login(client, personas.constituent_admin)
    response, role = change_role(client, personas.constituent_admin, "constituent_reporter")
    assert response.status_code == 200
    assert response.context["role_form"].errors
    assert 'class="form-errors"' in response.content.decode()
    assert role == "constituent_admin"


def test_cert_admin_changes_roles_anywhere(client, personas):
    login(client, personas.cert_admin)
    response, role = change_role(client, personas.other_reporter, "constituent_admin")
    assert response.status_code == 302
    assert role == "constituent_admin"


def test_who_may_not_change_roles(client, personas):
    login(client, personas.constituent_reporter)
    response, role = change_role(client, personas.constituent_admin, "constituent_reporter")
    assert response.status_code == 403
    assert role == "constituent_admin"
    login(client, personas.cert_analyst)  # sees every member, changes none
    response, role = change_role(client, personas.constituent_reporter, "constituent_admin")
    assert response.status_code == 403
    login(client, personas.other_reporter)
    response, role = change_role(client, personas.constituent_reporter, "constituent_admin")
    assert response.status_code == 404
    assert role == "constituent_reporter"


def test_get_is_not_allowed(client, personas):
    login(client, personas.constituent_admin)
    membership = Membership.objects.get(user=personas.constituent_reporter)
    response = client.get(reverse("organizations:member-role", args=[membership.pk]))
    assert response.status_code == 405
