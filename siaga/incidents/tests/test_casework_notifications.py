"""A shared comment from the CERT is e-mailed to reporters and constituent contacts, and posted
to the constituent's webhooks; internal comments and constituents' own comments notify no one."""

from unittest import mock

import pytest
from django.core import mail

from siaga.constituents.models import Contact
from siaga.incidents.actions import check_triage_report, submit_public_report
from siaga.incidents.actions.casework import check_add_comment
from siaga.notifications.choices import DeliveryChannel as Channel
from siaga.notifications.models import Delivery, Webhook
from siaga.notifications.signing import generate_secret
from siaga.notifications.tasks import send_delivery_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def send_inline():
    def run(ids):
        for delivery_id in ids:
            send_delivery_task.apply(args=(delivery_id,))

    with mock.patch("siaga.notifications.actions.dispatch", side_effect=run):
        yield


@pytest.fixture
def incident(personas, make_report):
    reporter = personas.constituent_reporter
    reporter.language = "en"
    reporter.save()
    signed_in = check_triage_report(personas.cert_analyst, make_report(), "new_incident")
    incident = signed_in.incident
    public = submit_public_report(
        {
            "reporter_name": "Budi",
            "reporter_email": "budi@example.test",
            "language": "id",
            "title": "Same ransom note",
            "description": "Seen from outside.",
        },
        raw={},
        client_address="192.0.2.5",
        user=None,
    )
    check_triage_report(personas.cert_analyst, public, "attach", incident_id=incident.pk)
    incident.affected_constituents.add(personas.orgs.hospital, personas.orgs.other_hospital)
    Contact.objects.create(
        organization=personas.orgs.hospital,
        name="Security desk",
        role="security_officer",
        email="desk@hospital.test",
        language="en",
        notification_kinds=["incidents"],
    )
    Contact.objects.create(
        organization=personas.orgs.hospital,
        name="Director",
        role="director",
        email="director@hospital.test",
        notification_kinds=["advisories"],
    )
    Contact.objects.create(
        organization=personas.orgs.hospital,
        name="Gone",
        role="it_lead",
        email="gone@hospital.test",
        notification_kinds=["incidents"],
        is_active=False,
    )
    mail.outbox.clear()
    return incident


def webhook(organization, kinds):
    hook = Webhook(organization=organization, name="SIEM", url="https://siem.test/hook")
    hook.event_kinds = kinds
    hook.set_secret(generate_secret())
    hook.save()
    return hook


def test_a_shared_comment_reaches_reporters_and_contacts_in_their_language(
    personas, incident, send_inline, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        check_add_comment(personas.cert_analyst, incident, "Restore from backups.", "shared")
    sent = {message.to[0]: message for message in mail.outbox}
    assert set(sent) == {"reporter@hospital.test", "budi@example.test", "desk@hospital.test"}
    for message in sent.values():
        assert "Restore from backups." in message.body
        assert incident.reference in message.subject
        assert f"/incidents/{incident.pk}/" in message.body
    languages = dict(
        Delivery.objects.filter(event_kind="comment_shared").values_list("address", "language")
    )
    assert languages == {
        "reporter@hospital.test": "en",
        "budi@example.test": "id",
        "desk@hospital.test": "en",
    }
    assert "Analyst" in sent["desk@hospital.test"].body  # who shared it


def test_internal_and_constituent_comments_notify_no_one(
    personas, incident, send_inline, django_capture_on_commit_callbacks
):
    Delivery.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        check_add_comment(personas.cert_analyst, incident, "internal", "internal")
        check_add_comment(personas.constituent_reporter, incident, "thanks", "shared")
    assert mail.outbox == []
    assert not Delivery.objects.filter(event_kind="comment_shared").exists()


def test_webhooks_of_each_affected_constituent(personas, incident):
    ours = webhook(personas.orgs.hospital, ["comment_shared"])
    webhook(personas.orgs.hospital, ["incident_assigned"])
    theirs = webhook(personas.orgs.other_hospital, ["comment_shared"])
    with mock.patch("siaga.notifications.actions.dispatch"):
        check_add_comment(personas.cert_analyst, incident, "Patch now.", "shared")
    hooks = Delivery.objects.filter(channel=Channel.WEBHOOK)
    assert {d.webhook_id for d in hooks} == {ours.pk, theirs.pk}
    assert all(d.payload["comment"] == "Patch now." for d in hooks)
    assert all(d.payload["reference"] == incident.reference for d in hooks)
