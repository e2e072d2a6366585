"""The notification settings page: every signed-in person keeps their own e-mail choices."""

from __future__ import annotations

import pytest
from django.urls import reverse

from siaga.core.testing import login
from siaga.notifications.actions import email_preferences
from siaga.notifications.models import NotificationPreference

URL = reverse("notifications:preferences")


@pytest.mark.parametrize("persona", ["cert_admin", "constituent_reporter", "auditor", "outsider"])
def test_everyone_signed_in_sees_a_row_per_event_kind(client, personas, persona):
    login(client, personas.by_name(persona))
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Incident assigned" in page
    assert "SLA breached" in page
    # The incident desk's seven kinds, the advisories' two for CERT staff (need help, returned),
    # an assessment submitted, a risk review due, an action item due soon and overdue, a sector
    # report's draft ready.
    assert page.count('type="checkbox"') == 14


def test_anonymous_is_sent_to_sign_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302


def test_unticking_turns_a_kind_off_for_this_user_only(client, personas):
    login(client, personas.cert_analyst)
    on = {"report_received": "on", "incident_assigned": "on", "incident_status_changed": "on"}
    response = client.post(URL, on)
    assert response.status_code == 302
    mine = dict(email_preferences(personas.cert_analyst))
    assert {event.kind: enabled for event, enabled in mine.items()} == {
        "report_received": True,
        "incident_assigned": True,
        "incident_status_changed": True,
        "sla_warning": False,
        "sla_breach": False,
        "clock_warning": False,
        "comment_shared": False,
        "advisory_need_help": False,
        "advisory_returned": False,
        "assessment_submitted": False,
        "risk_review_due": False,
        "actionitem_due_soon": False,
        "actionitem_overdue": False,
        "sector_report_draft": False,
    }
    assert not NotificationPreference.objects.filter(user=personas.cert_lead).exists()
    page = client.get(URL).content.decode()
    assert page.count("checked") == 3
