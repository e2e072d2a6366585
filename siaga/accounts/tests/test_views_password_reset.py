"""Password reset by e-mail: the link arrives, works once, and nobody learns which addresses exist."""

from __future__ import annotations

import re

from django.core import mail
from django.urls import reverse

from siaga.audit.choices import AuditAction
from siaga.audit.models import AuditEntry
from siaga.core.testing import PASSWORD

RESET = reverse("accounts:password-reset")
NEW_PASSWORD = "tangerine-volcano-harbour-81"


def reset_link(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/password/reset/[^\s]+/)", body)
    assert match, body
    return match.group(1)


def test_reset_mail_holds_a_link_that_sets_a_new_password(client, personas):
    user = personas.constituent_reporter
    response = client.post(RESET, {"email": "Reporter@Hospital.test"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password-reset-done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["reporter@hospital.test"]
    assert "\n" not in message.subject

    form_page = client.get(reset_link(message.body), follow=True)
    assert form_page.status_code == 200
    assert form_page.context["validlink"] is True
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password-reset-complete")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert not user.check_password(PASSWORD)
    assert AuditEntry.objects.filter(
        action=AuditAction.PASSWORD_CHANGED, object_id=str(user.pk)
    ).exists()

    # The link works once.
    again = client.get(reset_link(message.body), follow=True)
    assert again.context["validlink"] is False


def test_the_mail_is_in_the_language_of_the_account(client, personas):
    user = personas.constituent_reporter
    user.language = "en"
    user.save()
    client.post(RESET, {"email": user.email}, HTTP_ACCEPT_LANGUAGE="id")
    assert "Choose a new password for Siaga" in mail.outbox[0].subject


def test_unknown_address_gets_the_same_answer_and_the_same_audit_entry(client, personas):
    known = client.post(RESET, {"email": "reporter@hospital.test"})
    unknown = client.post(RESET, {"email": "nobody@nowhere.test"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 1  # only the real account gets mail
    entries = AuditEntry.objects.filter(action=AuditAction.PASSWORD_RESET_REQUESTED).order_by("seq")
    assert [e.object_repr for e in entries] == ["reporter@hospital.test", "nobody@nowhere.test"]
    assert {(e.object_type, e.object_id) for e in entries} == {("accounts.user", "")}


def test_a_forged_link_is_refused(client, personas):
    response = client.get(
        reverse("accounts:password-reset-confirm", args=["MQ", "bad-token"]), follow=True
    )
    assert response.status_code == 200
    assert response.context["validlink"] is False
    assert "does not work any more" in response.text


def test_mismatched_new_passwords_change_nothing(client, personas):
    client.post(RESET, {"email": "reporter@hospital.test"})
    form_page = client.get(reset_link(mail.outbox[0].body), follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    personas.constituent_reporter.refresh_from_db()
    assert personas.constituent_reporter.check_password(PASSWORD)
