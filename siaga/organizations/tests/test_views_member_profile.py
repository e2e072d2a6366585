"""A member's profile holds personal data: scoped like memberships, and every showing is audited."""

from __future__ import annotations

from django.urls import reverse

from siaga.audit.models import AuditEntry
from siaga.core.testing import login
from siaga.organizations.models import Membership


def membership_of(user) -> Membership:
    return Membership.objects.get(user=user)


def test_viewing_a_profile_writes_a_view_entry(client, personas):
    reporter = personas.constituent_reporter
    login(client, personas.constituent_admin)
    response = client.get(reverse("organizations:member", args=[membership_of(reporter).pk]))
    assert response.status_code == 200
    assert reporter.email in response.content.decode()
    entry = AuditEntry.objects.filter(action="view").get()
    assert (entry.object_type, entry.object_id) == ("accounts.user", str(reporter.pk))
    assert entry.actor_id == personas.constituent_admin.pk


def test_profile_outside_scope_is_not_found_and_not_audited(client, personas):
    login(client, personas.other_reporter)
    url = reverse("organizations:member", args=[membership_of(personas.constituent_reporter).pk])
    assert client.get(url).status_code == 404
    login(client, personas.coord_member)
    assert client.get(url).status_code == 404
    assert not AuditEntry.objects.filter(action="view").exists()


def test_buttons_follow_the_viewers_rights(client, personas):
    reporter_membership = membership_of(personas.constituent_reporter)
    admin_membership = membership_of(personas.constituent_admin)
    url = reverse("organizations:member", args=[reporter_membership.pk])

    login(client, personas.constituent_admin)
    context = client.get(url).context
    assert context["can_change_role"] is True
    assert context["can_remove"] is True
    assert context["can_reset_two_factor"] is False
    own = client.get(reverse("organizations:member", args=[admin_membership.pk])).context
    assert own["can_change_role"] is False
    assert own["can_remove"] is False

    login(client, personas.constituent_reporter)
    colleague = client.get(reverse("organizations:member", args=[admin_membership.pk])).context
    assert colleague["can_change_role"] is False
    assert colleague["can_remove"] is False

    login(client, personas.cert_admin)
    context = client.get(url).context
    assert context["can_reset_two_factor"] is True
    html = client.get(url).content.decode()
    assert reverse("organizations:member-reset-2fa", args=[reporter_membership.pk]) in html
