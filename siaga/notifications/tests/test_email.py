"""E-mail notifications: rendered per recipient language and time zone, preferences respected."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core import mail

from siaga.core.testing import make_user
from siaga.notifications.actions import do_notify
from siaga.notifications.choices import DeliveryChannel, DeliveryStatus
from siaga.notifications.events import register_event, unregister_event
from siaga.notifications.models import Delivery, NotificationPreference

pytestmark = pytest.mark.django_db

DUE = datetime(2026, 8, 5, 7, 0, tzinfo=UTC)  # 14:00 WIB, 15:00 WITA
CONTEXT = {
    "reference": "SIAGA-INC-2026-000045",
    "title": "Ransomware at the radiology department",
    "url": "https://siaga.test/incidents/45/",
    "actor": "Dewi",
    "due_at": DUE,
}


def notify(recipients, kind="incident_assigned", **extra):
    return do_notify(kind, recipients=recipients, context=CONTEXT, **extra)


def test_each_recipient_reads_their_own_language_and_time_zone(
    personas, send_inline, django_capture_on_commit_callbacks
):
    english = make_user("en@cert.test", language="en", time_zone="Asia/Makassar")
    indonesian = make_user("id@cert.test", language="id", time_zone="Asia/Jakarta")
    with django_capture_on_commit_callbacks(execute=True):
        notify([english, indonesian], object_type="incidents.incident", object_id="45")
    sent = {message.to[0]: message for message in mail.outbox}
    assert set(sent) == {"en@cert.test", "id@cert.test"}
    en, id_ = sent["en@cert.test"], sent["id@cert.test"]
    assert en.subject == "Incident SIAGA-INC-2026-000045 assigned to you"
    assert "Next deadline: 5 August 2026 15:00 WITA." in en.body
    assert "Assigned by Dewi." in en.body
    assert "https://siaga.test/incidents/45/" in en.body
    # Django's own Indonesian catalogue names the month; the time is in the recipient's zone.
    assert "5 Agustus 2026 14:00 WIB" in id_.body
    assert "August" not in id_.body
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 2


@pytest.fixture
def catalogue_event(settings):
    """A kind whose template uses a string the Indonesian catalogue already translates."""
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "DIRS": [*settings.TEMPLATES[0]["DIRS"], Path(__file__).parent / "templates"],
        }
    ]
    register_event(
        "test_catalogue",
        "test",
        "notifications_test/catalogue_subject.txt",
        "notifications_test/catalogue.txt",
    )
    yield "test_catalogue"
    unregister_event("test_catalogue")


def test_templates_are_translated_from_the_catalogue(personas, catalogue_event):
    english = make_user("en@cert.test", language="en")
    indonesian = make_user("id@cert.test", language="id")
    deliveries = {d.address: d for d in notify([english, indonesian], kind=catalogue_event)}
    assert deliveries["en@cert.test"].subject == "Organizations"
    assert deliveries["id@cert.test"].subject == "Organisasi"
    assert deliveries["id@cert.test"].body.startswith("Organisasi: Ransomware")
    assert deliveries["id@cert.test"].language == "id"


def test_a_contact_that_is_not_a_user_gets_mail_in_its_language(personas):
    contact = SimpleNamespace(email="csirt@hospital.test", language="en")
    (delivery,) = notify([contact], organization=personas.orgs.hospital)
    assert delivery.recipient is None
    assert delivery.address == "csirt@hospital.test"
    assert delivery.subject.startswith("Incident SIAGA-INC-2026-000045")
    assert delivery.organization == personas.orgs.hospital
    assert delivery.channel == DeliveryChannel.EMAIL


def test_a_user_who_turned_the_kind_off_gets_no_delivery(personas):
    NotificationPreference.objects.create(
        user=personas.cert_analyst, event_kind="incident_assigned", email_enabled=False
    )
    deliveries = notify([personas.cert_analyst, personas.cert_lead])
    assert [d.address for d in deliveries] == ["lead@cert.test"]
    # Off for one kind only: another kind still reaches them.
    assert len(notify([personas.cert_analyst], kind="sla_breach")) == 1


def test_a_kind_off_by_default_needs_a_yes(personas):
    register_event("quiet", "Quiet", "x_subject.txt", "x.txt", default_on=False)
    try:
        assert notify([personas.cert_lead], kind="quiet") == []
    finally:
        unregister_event("quiet")


def test_each_address_once_and_no_mail_to_disabled_accounts(personas):
    personas.cert_lead.is_active = False
    personas.cert_lead.save()
    contact = SimpleNamespace(email="ANALYST@cert.test", language="id")
    deliveries = notify([personas.cert_analyst, contact, personas.cert_lead])
    assert [d.address for d in deliveries] == ["analyst@cert.test"]


def test_a_rolled_back_change_notifies_no_one(personas, django_capture_on_commit_callbacks):
    from django.db import transaction

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify([personas.cert_lead])
        raise RuntimeError("the incident change failed")
    assert callbacks == []
    assert not Delivery.objects.exists()
    assert mail.outbox == []


def test_an_unknown_kind_is_a_programming_error(personas):
    with pytest.raises(ValueError, match="unknown notification event"):
        notify([personas.cert_lead], kind="nonsense")


def test_every_builtin_kind_renders_in_both_languages(personas):
    from siaga.notifications.events import BUILTIN_KINDS, all_events

    context = {
        **CONTEXT,
        "status": "Contained",
        "old_status": "New",
        "comment": "Patched.",
        "target": "First response",
        "clock": "BSSN report",
    }
    for language in ("en", "id"):
        user = make_user(f"{language}@x.test", language=language)
        for event in all_events():
            if event.kind not in BUILTIN_KINDS:
                continue  # written by other apps, tested with their own contexts there
            (delivery,) = do_notify(event.kind, recipients=[user], context=context)
            assert "SIAGA-INC-2026-000045" in delivery.subject
            assert "\n" not in delivery.subject
            assert delivery.body.strip()
