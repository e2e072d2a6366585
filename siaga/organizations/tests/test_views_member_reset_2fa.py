"""Resetting a member's second factor is for CERT administrators only, and is audited."""

from __future__ import annotations

from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from siaga.audit.models import AuditEntry
from siaga.core.testing import login
from siaga.organizations.models import Membership


def reset(client, user):
    membership = Membership.objects.get(user=user)
    return client.post(reverse("organizations:member-reset-2fa", args=[membership.pk]))


def test_cert_admin_resets_a_second_factor(client, personas):
    admin = personas.constituent_admin
    TOTPDevice.objects.create(user=admin, name="authenticator", confirmed=True)
    login(client, personas.cert_admin)
    response = reset(client, admin)
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=admin).exists()
    entry = AuditEntry.objects.get(action="2fa_reset")
    assert (entry.object_id, entry.actor_id) == (str(admin.pk), personas.cert_admin.pk)


def test_others_may_not_reset(client, personas):
    reporter = personas.constituent_reporter
    TOTPDevice.objects.create(user=reporter, name="authenticator", confirmed=True)
    for persona in ("constituent_admin", "cert_lead", "auditor"):
        login(client, personas.by_name(persona))
        assert reset(client, reporter).status_code == 403
    login(client, personas.other_reporter)
    assert reset(client, reporter).status_code == 404
    assert TOTPDevice.objects.filter(user=reporter).exists()
    assert not AuditEntry.objects.filter(action="2fa_reset").exists()


def test_an_admin_cannot_reset_their_own_second_factor(client, personas):
    admin = personas.cert_admin
    login(client, admin)  # gives the admin a confirmed authenticator
    response = reset(client, admin)
    assert response.status_code == 302
    assert TOTPDevice.objects.filter(user=admin).exists()
    assert not AuditEntry.objects.filter(action="2fa_reset").exists()
