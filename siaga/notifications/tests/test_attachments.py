"""E-mail attachments: an app registers a provider for its object type; the e-mail carries what
it returns on every attempt, and deliveries about other objects carry nothing."""

from __future__ import annotations

import pytest
from django.core import mail

from siaga.notifications import transport
from siaga.notifications.actions import do_notify, send_delivery

pytestmark = pytest.mark.django_db


class Recipient:
    email = "desk@hospital.test"
    language = "en"


@pytest.fixture
def provider(monkeypatch):
    calls = []

    def attach(delivery):
        calls.append(delivery.pk)
        return [(f"thing-{delivery.object_id}.csv", b"a,b\r\n1,2\r\n", "text/csv")]

    monkeypatch.setitem(transport._ATTACHMENT_PROVIDERS, "tests.thing", attach)
    return calls


def _notify(object_type: str):
    (delivery,) = do_notify(
        "report_received",
        recipients=[Recipient()],
        context={"reference": "SIAGA-2026-000001"},
        object_type=object_type,
        object_id="7",
    )
    return delivery


def test_the_registered_provider_attaches_its_files(provider):
    delivery = _notify("tests.thing")
    send_delivery(delivery.pk)
    (message,) = mail.outbox
    ((name, content, mimetype),) = message.attachments
    assert (name, mimetype) == ("thing-7.csv", "text/csv")
    assert content in (b"a,b\r\n1,2\r\n", "a,b\r\n1,2\r\n")  # Django decodes text parts
    assert provider == [delivery.pk]


def test_other_objects_get_no_attachment(provider):
    send_delivery(_notify("incidents.incident").pk)
    (message,) = mail.outbox
    assert message.attachments == []
    assert provider == []
