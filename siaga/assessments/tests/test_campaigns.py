"""Campaigns: created and sent by the CERT, refused to others, reminders before the deadline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from siaga.assessments import actions
from siaga.assessments.choices import CampaignStatus
from siaga.assessments.models import Assessment, Campaign
from siaga.assessments.tasks import send_assessment_reminders
from siaga.assessments.tests.conftest import make_campaign
from siaga.audit.models import AuditEntry
from siaga.notifications.models import Delivery

pytestmark = pytest.mark.django_db


def test_sending_creates_one_assessment_per_constituent_and_emails_admins(
    personas, campaign, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        actions.check_send(personas.cert_lead, campaign)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT and campaign.sent_at is not None
    assert set(campaign.assessments.values_list("organization__name", flat=True)) == {
        "Test Hospital",
        "Other Hospital",
    }
    sent = Delivery.objects.filter(event_kind="assessment_sent")
    assert list(sent.values_list("address", flat=True)) == ["admin@hospital.test"]
    assert AuditEntry.objects.filter(object_type="assessments.campaign", changes__status="sent")


def test_sending_twice_is_refused(personas, sent):
    with pytest.raises(ValidationError):
        actions.check_send(personas.cert_lead, sent)
    assert Assessment.objects.filter(campaign=sent).count() == 2


@pytest.mark.parametrize("name", ["constituent_admin", "coord_member", "auditor", "outsider"])
def test_others_may_not_create_campaigns(personas, framework, name):
    data = {
        "name": "x",
        "framework": framework,
        "deadline": timezone.localdate() + timedelta(days=3),
        "organizations": [personas.orgs.hospital],
    }
    with pytest.raises(PermissionDenied):
        actions.check_create_campaign(personas.by_name(name), data)
    assert not Campaign.objects.exists()


def test_bad_input_names_each_field(personas, framework):
    with pytest.raises(ValidationError) as caught:
        actions.check_create_campaign(
            personas.cert_lead,
            {"name": "", "framework": None, "deadline": timezone.localdate(),
             "organizations": [personas.orgs.cert]},
        )  # fmt: skip
    assert set(caught.value.message_dict) == {"name", "framework", "deadline", "organizations"}
    assert not Campaign.objects.exists()


def test_constituents_do_not_see_draft_campaigns(personas, campaign):
    assert not actions.visible_assessments(personas.constituent_admin).exists()
    actions.check_send(personas.cert_lead, campaign)
    assert actions.visible_assessments(personas.constituent_admin).count() == 1
    assert actions.visible_assessments(personas.other_reporter).count() == 1


def test_close_only_when_sent(personas, campaign):
    with pytest.raises(ValidationError):
        actions.check_close(personas.cert_lead, campaign)
    actions.check_send(personas.cert_lead, campaign)
    assert actions.check_close(personas.cert_lead, campaign).status == CampaignStatus.CLOSED


def test_reminders_once_a_day_within_the_window(
    personas, framework, settings, django_capture_on_commit_callbacks
):
    settings.SIAGA_ASSESSMENT_REMINDER_DAYS = 7
    soon = make_campaign(personas, framework, days=5, organizations=[personas.orgs.hospital])
    later = make_campaign(personas, framework, days=30, name="Later")
    actions.check_send(personas.cert_lead, soon)
    actions.check_send(personas.cert_lead, later)
    now = timezone.now()
    assert send_assessment_reminders() == {"reminded": 1}  # the beat task
    assert actions.do_send_reminders(now) == {"reminded": 0}
    assert actions.do_send_reminders(now + timedelta(days=1)) == {"reminded": 1}
    assert Delivery.objects.filter(event_kind="assessment_reminder").count() == 2
