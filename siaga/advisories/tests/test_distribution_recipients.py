"""Who receives a published advisory (inventory, criteria or named; TLP respected) and how they
are told: e-mail in each contact's language, signed webhooks, updates and withdrawals."""

from __future__ import annotations

import json

import pytest
from django.core import mail

from siaga.advisories import actions, distribution
from siaga.advisories.actions import workflow
from siaga.advisories.choices import RecipientReason
from siaga.advisories.models import AdvisoryRecipient
from siaga.advisories.tests.conftest import (
    advisory_data,
    make_constituent,
    make_contact,
    make_item,
    publish,
)
from siaga.notifications.signing import verify_signature
from siaga.notifications.tests.conftest import make_webhook

pytestmark = pytest.mark.django_db


@pytest.fixture
def sector(personas):
    """Three hospitals: one runs an affected monitor, one a fixed one, one in Bali and vital."""
    running = make_constituent("RS Running", province="31")
    patched = make_constituent("RS Patched", province="31")
    bali = make_constituent("RS Bali", province="51", is_vital_infrastructure=True)
    clinic = make_constituent("Klinik Bali", kind="clinic", province="51")
    make_item(running, "Contoso", "Patient Monitor", "2.1")
    make_item(patched, "Contoso", "Patient Monitor", "2.4")
    return {"running": running, "patched": patched, "bali": bali, "clinic": clinic}


def _reasons(advisory):
    return {
        row.organization.name: row.reason
        for row in AdvisoryRecipient.objects.filter(advisory=advisory).select_related(
            "organization"
        )
    }


def test_inventory_decides_by_version(personas, sector, draft):
    published = publish(personas, draft)
    assert _reasons(published) == {"RS Running": RecipientReason.INVENTORY}
    row = published.recipients.get()
    assert row.matched_items[0]["label"] == "Contoso Patient Monitor 2.1"
    assert row.notified_version == 1 and row.notified_at


def test_criteria_and_named_with_the_strongest_reason(personas, sector):
    advisory = actions.check_create_advisory(
        personas.cert_analyst,
        advisory_data(
            target_provinces=["51"],
            target_constituent_types=["hospital"],
            target_organizations=[sector["running"].pk, sector["clinic"].pk],
        ),
    )
    published = publish(personas, advisory)
    assert _reasons(published) == {
        "RS Running": RecipientReason.INVENTORY,  # also named: running it is stronger
        "RS Bali": RecipientReason.CRITERIA,  # a hospital in Bali
        "Klinik Bali": RecipientReason.NAMED,  # a clinic: not the kind chosen, but named
    }


def test_vital_only_and_all(personas, sector):
    vital = actions.check_create_advisory(
        personas.cert_analyst, advisory_data(target_inventory=False, target_vital_only=True)
    )
    assert set(_reasons(publish(personas, vital))) == {"RS Bali"}
    everyone = actions.check_create_advisory(
        personas.cert_analyst, advisory_data(target_inventory=False, target_all=True)
    )
    names = set(_reasons(publish(personas, everyone)))
    assert {"RS Running", "RS Patched", "RS Bali", "Klinik Bali", "Test Hospital"} <= names
    assert "Test CERT" not in names and "Test Agency" not in names


def test_amber_goes_only_to_the_named(personas, sector):
    advisory = actions.check_create_advisory(
        personas.cert_analyst,
        advisory_data(tlp="amber+strict", target_organizations=[sector["patched"].pk]),
    )
    # The hospital that runs the product is not told: it was not chosen.
    assert [plan.organization.name for plan in actions.preview_recipients(advisory)] == [
        "RS Patched"
    ]
    assert set(_reasons(publish(personas, advisory))) == {"RS Patched"}


def test_inactive_constituents_receive_nothing(personas, sector, draft):
    sector["running"].is_active = False
    sector["running"].save()
    assert _reasons(publish(personas, draft)) == {}


def test_email_in_each_contacts_language(
    personas, sector, draft, send_inline, django_capture_on_commit_callbacks
):
    make_contact(sector["running"], "id", email="it@running.test")
    make_contact(sector["running"], "en", email="ciso@running.test")
    make_contact(
        sector["running"], "en", email="digests@running.test", notification_kinds=["feed_digests"]
    )
    make_contact(sector["running"], "en", email="gone@running.test", is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        publish(personas, draft)
    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {"it@running.test", "ciso@running.test"}
    indonesian, english = by_address["it@running.test"], by_address["ciso@running.test"]
    assert draft.title_id in indonesian.subject and draft.title_id in indonesian.body
    assert "Perbarui firmware" in indonesian.body and "Pasang versi 2.4" in indonesian.body
    assert draft.title_en in english.subject and "Install version 2.4." in english.body
    assert "Contoso Patient Monitor 2.1" in english.body  # the matching system
    assert draft.tracking_id in english.subject
    assert "TLP:CLEAR" in english.body


def test_signed_webhook(
    personas, sector, draft, receiver, send_inline, django_capture_on_commit_callbacks
):
    _webhook, secret = make_webhook(sector["running"], receiver.url(), kinds=["advisory_published"])
    with django_capture_on_commit_callbacks(execute=True):
        publish(personas, draft)
    (request,) = receiver.requests
    headers = {name.lower(): value for name, value in request.headers.items()}
    assert verify_signature(secret, headers["x-siaga-signature"], request.body)
    data = json.loads(request.body)["data"]
    assert data["tracking_id"] == draft.tracking_id
    assert data["cves"] == ["CVE-2026-1234"]
    assert data["reason"] == "inventory"


def test_no_webhook_for_amber_strict(
    personas, sector, receiver, send_inline, django_capture_on_commit_callbacks
):
    make_webhook(sector["patched"], receiver.url(), kinds=["advisory_published"])
    make_contact(sector["patched"], "en", email="ciso@patched.test")
    advisory = actions.check_create_advisory(
        personas.cert_analyst,
        advisory_data(tlp="amber+strict", target_organizations=[sector["patched"].pk]),
    )
    with django_capture_on_commit_callbacks(execute=True):
        publish(personas, advisory)
    assert receiver.requests == []
    assert [message.to for message in mail.outbox] == [["ciso@patched.test"]]


def test_update_and_withdrawal_tell_every_recipient(
    personas, sector, draft, send_inline, django_capture_on_commit_callbacks
):
    make_contact(sector["running"], "en", email="ciso@running.test")
    make_contact(sector["bali"], "en", email="ciso@bali.test")
    with django_capture_on_commit_callbacks(execute=True):
        published = publish(personas, draft)
    assert [m.to[0] for m in mail.outbox] == ["ciso@running.test"]
    mail.outbox.clear()
    actions.check_update_advisory(
        personas.cert_analyst, published, {"target_organizations": [sector["bali"].pk]}
    )
    with django_capture_on_commit_callbacks(execute=True):
        updated = publish(personas, published, change_summary_en="Bali added.")
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert "Updated (version 2)" in subjects["ciso@running.test"]
    assert "Updated" not in subjects["ciso@bali.test"]  # new to Bali: "published"
    assert updated.recipients.filter(notified_version=2).count() == 2
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.check_withdraw(personas.cert_lead, updated, "The vendor retracted it.")
    assert sorted(m.to[0] for m in mail.outbox) == ["ciso@bali.test", "ciso@running.test"]
    assert all("The vendor retracted it." in m.body for m in mail.outbox)


def test_nothing_is_sent_when_publishing_fails(personas, sector, draft, monkeypatch):
    make_contact(sector["running"], "en", email="ciso@running.test")
    actions.check_submit(personas.cert_analyst, draft)

    def broken(*args, **kwargs):
        raise RuntimeError("snapshot failed")

    monkeypatch.setattr(workflow, "snapshot", broken)
    with pytest.raises(RuntimeError):
        actions.check_approve(personas.cert_lead, draft)
    draft.refresh_from_db()
    assert draft.version == 0 and not AdvisoryRecipient.objects.exists()
    from siaga.notifications.models import Delivery

    assert not Delivery.objects.exists()


def test_contacts_of_an_alert_include_alert_subscribers(personas, sector):
    alerts = make_contact(sector["running"], "en", email="a@x.test", notification_kinds=["alerts"])
    assert distribution.contacts_of(sector["running"].pk, "advisory") == []
    assert distribution.contacts_of(sector["running"].pk, "alert") == [alerts]
