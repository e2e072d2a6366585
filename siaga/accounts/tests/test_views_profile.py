"""The profile page: name, phone, language and time zone, memberships and two-factor status."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from siaga.audit.choices import AuditAction
from siaga.audit.models import AuditEntry
from siaga.core.testing import PASSWORD, login

PROFILE = reverse("accounts:profile")


def preferences(**changes: str) -> dict[str, str]:
    data = {
        "full_name": "Rina Reporter",
        "phone": "+62 21 555 0100",
        "language": "id",
        "time_zone": "Asia/Jakarta",
    }
    data.update(changes)
    return data


def test_profile_shows_memberships_and_two_factor_status(client, personas):
    login(client, personas.constituent_admin, verified=True)
    response = client.get(PROFILE)
    assert response.status_code == 200
    assert "Test Hospital" in response.text
    assert "Constituent administrator" in response.text
    assert response.context["has_authenticator"] is True
    assert reverse("accounts:recovery-codes") in response.text


def test_profile_offers_set_up_to_a_user_without_an_authenticator(client, personas):
    login(client, personas.constituent_reporter, verified=False)
    response = client.get(PROFILE)
    assert response.context["has_authenticator"] is False
    assert reverse("accounts:2fa-setup") in response.text


def test_changing_language_and_time_zone_saves_and_switches_the_ui(client, personas):
    user = personas.constituent_reporter
    login(client, user, verified=False)
    response = client.post(
        PROFILE, preferences(language="en", time_zone="Asia/Makassar", full_name="Rina R.")
    )
    assert response.status_code == 302
    assert response["Location"] == PROFILE
    user.refresh_from_db()
    assert (user.language, user.time_zone, user.full_name) == ("en", "Asia/Makassar", "Rina R.")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get(PROFILE)
    assert page.context["LANGUAGE_CODE"] == "en"
    assert page.context["TIME_ZONE"] == "Asia/Makassar"


@pytest.mark.parametrize(
    ("field", "value"),
    [("language", "fr"), ("time_zone", "Europe/Paris"), ("time_zone", ""), ("full_name", "")],
)
def test_invalid_values_are_rejected_and_nothing_is_saved(client, personas, field, value):
    user = personas.constituent_reporter
    before = (user.full_name, user.phone, user.language, user.time_zone)
    login(client, user, verified=False)
    response = client.post(PROFILE, preferences(**{field: value}))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    user.refresh_from_db()
    assert (user.full_name, user.phone, user.language, user.time_zone) == before


def test_profile_needs_a_signed_in_user(client, db):
    response = client.get(PROFILE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_password_change_keeps_the_session_and_is_audited(client, personas):
    user = personas.constituent_reporter
    login(client, user, verified=False)
    new_password = "a-much-longer-new-passphrase-42"
    response = client.post(
        reverse("accounts:password-change"),
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new_password)
    assert client.get(PROFILE).status_code == 200  # still signed in
    assert AuditEntry.objects.filter(
        action=AuditAction.PASSWORD_CHANGED, object_id=str(user.pk)
    ).exists()


def test_password_change_with_a_wrong_old_password_changes_nothing(client, personas):
    user = personas.constituent_reporter
    login(client, user, verified=False)
    response = client.post(
        reverse("accounts:password-change"),
        {
            "old_password": "wrong",
            "new_password1": "x" * 20 + "9a",
            "new_password2": "x" * 20 + "9a",
        },
    )
    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_blank_full_name_is_refused(personas):
    import pytest
    from django.core.exceptions import ValidationError

    from siaga.accounts.actions import check_update_preferences

    user = personas.constituent_reporter
    with pytest.raises(ValidationError):
        check_update_preferences(user, {"full_name": "   "})
    user.refresh_from_db()
    assert user.full_name.strip()
