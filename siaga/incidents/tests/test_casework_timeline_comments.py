"""Timeline and comments: merged timeline, zones, and internal entries hidden outside the CERT."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from siaga.core.testing import api_client_for, login
from siaga.incidents.actions.casework import (
    check_add_comment,
    check_add_observable,
    check_add_timeline_event,
    merged_timeline,
)
from siaga.incidents.models import Comment, TimelineEvent

pytestmark = pytest.mark.django_db
JSON = "application/json"
AT = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)  # 08:30 WIB, 09:30 WITA


@pytest.fixture
def incident(personas, make_incident):
    return make_incident(title="Ours", affected_constituents=[personas.orgs.hospital])


def event(personas, incident, description, visibility="internal", **extra):
    data = {"occurred_at": AT, "description": description, "visibility": visibility, **extra}
    return check_add_timeline_event(personas.cert_analyst, incident, data)


def test_the_timeline_merges_events_status_changes_and_comments(personas, incident):
    observable = check_add_observable(personas.cert_analyst, incident, type="ip", value="192.0.2.1")
    event(personas, incident, "Firewall saw the beacon", "shared", observables=[observable])
    event(personas, incident, "Analyst hunch")
    check_add_comment(personas.cert_analyst, incident, "internal note", "internal")
    check_add_comment(personas.constituent_reporter, incident, "we rebooted it", "shared")
    staff = merged_timeline(personas.cert_analyst, incident)
    assert [entry.kind for entry in staff] == ["event", "event", "status", "comment", "comment"]
    assert staff[0].observables == [observable]
    constituent = merged_timeline(personas.constituent_reporter, incident)
    assert [entry.description for entry in constituent if entry.kind != "status"] == [
        "Firewall saw the beacon",
        "we rebooted it",
    ]
    assert len(merged_timeline(personas.auditor, incident)) == 5


def test_timeline_rules(personas, make_incident, incident):
    other = make_incident()
    foreign = check_add_observable(personas.cert_analyst, other, type="ip", value="192.0.2.1")
    with pytest.raises(ValidationError) as error:
        event(personas, incident, "x", observables=[foreign])
    assert "observables" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        event(personas, incident, "x", time_zone="Mars/Olympus")
    assert "time_zone" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        check_add_timeline_event(personas.constituent_admin, incident, {"occurred_at": AT})


def test_comment_rules(personas, incident):
    with pytest.raises(PermissionDenied):
        check_add_comment(personas.constituent_reporter, incident, "secret", "internal")
    with pytest.raises(PermissionDenied):
        check_add_comment(personas.other_reporter, incident, "hello", "shared")
    with pytest.raises(ValidationError):
        check_add_comment(personas.cert_analyst, incident, "   ", "internal")
    with pytest.raises(ValidationError):
        check_add_comment(personas.cert_analyst, incident, "x", "public")
    comment = check_add_comment(personas.constituent_reporter, incident, " thanks ", "shared")
    assert comment.body == "thanks" and comment.author == personas.constituent_reporter
    incident.refresh_from_db()
    assert incident.first_response_at is None  # a constituent's comment is not the CERT's reply
    check_add_comment(personas.cert_analyst, incident, "On it.", "shared")
    incident.refresh_from_db()
    assert incident.first_response_at is not None


def test_the_page_hides_internal_entries_from_constituents(client, personas, incident):
    event(personas, incident, "INTERNAL-EVENT")
    event(personas, incident, "SHARED-EVENT", "shared", time_zone="Asia/Makassar")
    check_add_comment(personas.cert_analyst, incident, "INTERNAL-COMMENT", "internal")
    check_add_comment(personas.cert_analyst, incident, "SHARED-COMMENT", "shared")
    url = reverse("incidents:detail", args=[incident.pk])
    login(client, personas.cert_analyst)
    body = client.get(url).content.decode()
    assert "INTERNAL-EVENT" in body and "INTERNAL-COMMENT" in body
    login(client, personas.constituent_reporter)
    response = client.get(url)
    body = response.content.decode()
    assert "INTERNAL-EVENT" not in body and "INTERNAL-COMMENT" not in body
    assert "SHARED-EVENT" in body and "SHARED-COMMENT" in body
    assert "Shared with the constituent" in body
    # Shown in the viewer's zone (WIB) and in the zone the source gave (WITA).
    assert "2 Mar 2026 08:30 WIB" in body and "2 Mar 2026 09:30 Asia/Makassar" in body
    assert "visibility" not in response.context["comment_form"].fields
    assert response.context.get("timeline_form") is None


def test_comment_and_timeline_pages(client, personas, incident):
    comment = reverse("incidents:comment-add", args=[incident.pk])
    login(client, personas.constituent_reporter)
    assert (
        client.post(comment, {"body": "Server back up", "visibility": "internal"}).status_code
        == 302
    )
    assert Comment.objects.get().visibility == "shared"  # others can only share
    assert client.post(comment, {"body": ""}).status_code == 400
    timeline = reverse("incidents:timeline-add", args=[incident.pk])
    data = {
        "occurred_at": "2026-03-02T09:30",
        "time_zone": "Asia/Makassar",
        "source": "reporter",
        "description": "Hospital noticed",
        "visibility": "shared",
    }
    assert client.post(timeline, data).status_code == 403
    login(client, personas.other_reporter)
    assert client.post(comment, {"body": "x"}).status_code == 404
    login(client, personas.cert_analyst)
    assert client.post(comment, {"body": "note"}).status_code == 302
    assert Comment.objects.filter(visibility="internal").count() == 1  # the staff default
    assert client.post(timeline, data).status_code == 302
    saved = TimelineEvent.objects.get()
    assert saved.occurred_at == AT and saved.time_zone == "Asia/Makassar"
    assert client.post(timeline, {**data, "time_zone": "Mars/Olympus"}).status_code == 400


def test_api_hides_internal_entries_from_constituents(personas, incident):
    analyst = api_client_for(personas.cert_analyst)
    base = f"/api/v1/incidents/{incident.pk}"
    observable = check_add_observable(personas.cert_analyst, incident, type="ip", value="192.0.2.1")
    body = {
        "occurred_at": "2026-03-02T09:30:00+08:00",
        "time_zone": "Asia/Makassar",
        "description": "INTERNAL-EVENT",
        "observable_ids": [observable.pk],
    }
    created = analyst.post(f"{base}/timeline", body, content_type=JSON)
    assert created.status_code == 201, created.content
    assert created.json()["observables"][0]["value"] == "192.0.2.1"
    bad = analyst.post(f"{base}/timeline", {**body, "observable_ids": [999]}, content_type=JSON)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "observable_ids"
    analyst.post(f"{base}/comments", {"body": "INTERNAL-COMMENT"}, content_type=JSON)
    shared = analyst.post(
        f"{base}/comments", {"body": "SHARED", "visibility": "shared"}, content_type=JSON
    )
    assert shared.status_code == 201 and shared.json()["visibility"] == "shared"
    staff_timeline = analyst.get(f"{base}/timeline").json()
    assert staff_timeline["count"] == 4  # event, opened, two comments
    reporter = api_client_for(personas.constituent_reporter)
    texts = [entry["description"] for entry in reporter.get(f"{base}/timeline").json()["results"]]
    assert "INTERNAL-EVENT" not in texts and "INTERNAL-COMMENT" not in texts and "SHARED" in texts
    comments = reporter.get(f"{base}/comments").json()
    assert [c["body"] for c in comments["results"]] == ["SHARED"]
    own = reporter.post(f"{base}/comments", {"body": "thanks"}, content_type=JSON)
    assert own.status_code == 201 and own.json()["visibility"] == "shared"
    internal = reporter.post(
        f"{base}/comments", {"body": "x", "visibility": "internal"}, content_type=JSON
    )
    assert internal.status_code == 403
    assert reporter.post(f"{base}/timeline", body, content_type=JSON).status_code == 403
    other = api_client_for(personas.other_reporter)
    assert other.get(f"{base}/comments").status_code == 404
    assert other.get(f"{base}/timeline").status_code == 404
