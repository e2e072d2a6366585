"""Renewing recovery codes: only in a session that passed 2FA, shown once, old codes void, audited."""

from __future__ import annotations

from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken

from siaga.accounts.twofactor import new_recovery_codes
from siaga.audit.choices import AuditAction
from siaga.audit.models import AuditEntry
from siaga.core.testing import login

CODES = reverse("accounts:recovery-codes")


def test_the_page_counts_the_codes_left(client, personas):
    login(client, personas.cert_analyst)
    new_recovery_codes(personas.cert_analyst)
    response = client.get(CODES)
    assert response.status_code == 200
    assert response.context["remaining"] == 10
    assert "codes" not in response.context


def test_renewing_shows_new_codes_once_and_voids_the_old_ones(client, personas):
    user = personas.cert_analyst
    login(client, user)
    old = set(new_recovery_codes(user))
    response = client.post(CODES)
    assert response.status_code == 200
    new = response.context["codes"]
    assert len(new) == 10
    assert not old & set(new)
    assert set(
        StaticToken.objects.filter(device__user=user).values_list("token", flat=True)
    ) == set(new)
    assert "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.get(action=AuditAction.RECOVERY_CODES_RENEWED)
    assert entry.object_id == str(user.pk)
    # The codes are not shown again.
    assert not any(code in client.get(CODES).text for code in new)


def test_a_session_without_the_second_factor_is_sent_to_verify(client, personas):
    user = personas.cert_analyst
    login(client, user)  # creates the authenticator
    client.logout()
    login(client, user, verified=False)
    old = new_recovery_codes(user)
    response = client.post(CODES)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:2fa-verify"))
    assert sorted(StaticToken.objects.values_list("token", flat=True)) == sorted(old)
    assert not AuditEntry.objects.filter(action=AuditAction.RECOVERY_CODES_RENEWED).exists()


def test_without_an_authenticator_set_up_comes_first(client, personas):
    login(client, personas.constituent_reporter, verified=False)
    response = client.post(CODES)
    assert response["Location"] == reverse("accounts:2fa-setup")
    assert not StaticToken.objects.exists()


def test_recovery_codes_fit_the_token_column(db):
    from django_otp.plugins.otp_static.models import StaticToken

    from siaga.accounts.twofactor import RECOVERY_CODE_COUNT, new_recovery_codes
    from siaga.core.testing import make_user

    codes = new_recovery_codes(make_user("codes@cert.test"))
    limit = StaticToken._meta.get_field("token").max_length
    assert len(codes) == RECOVERY_CODE_COUNT
    assert len(set(codes)) == RECOVERY_CODE_COUNT
    assert all(len(code) <= limit for code in codes)
