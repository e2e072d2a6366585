"""Links between incidents and the merge of a duplicate into another incident."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from siaga.core.testing import api_client_for, login
from siaga.incidents.actions import check_transition, check_triage_report
from siaga.incidents.actions.casework import (
    check_add_comment,
    check_add_observable,
    check_add_task,
    check_add_timeline_event,
    check_link_incidents,
    check_merge,
    check_unlink,
    visible_links,
)
from siaga.incidents.models import Comment, IncidentLink, IncidentMerge, Observable, Task

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def pair(personas, make_incident):
    orgs = personas.orgs
    return (
        make_incident(title="Original", affected_constituents=[orgs.hospital]),
        make_incident(title="Duplicate", affected_constituents=[orgs.other_hospital]),
    )


def test_links_are_seen_from_both_ends(personas, pair):
    original, duplicate = pair
    link = check_link_incidents(personas.cert_analyst, duplicate, original.pk, "same_campaign")
    assert visible_links(personas.auditor, duplicate) == ([link], [])
    assert visible_links(personas.auditor, original) == ([], [link])
    with pytest.raises(ValidationError):
        check_link_incidents(personas.cert_analyst, original, duplicate.pk, "related")
    with pytest.raises(ValidationError):
        check_link_incidents(personas.cert_analyst, original, original.pk, "related")
    with pytest.raises(ValidationError):
        check_link_incidents(personas.cert_analyst, original, duplicate.pk, "friends")
    with pytest.raises(PermissionDenied):
        check_link_incidents(personas.constituent_admin, original, duplicate.pk, "related")
    with pytest.raises(PermissionDenied):
        check_unlink(personas.auditor, link)
    check_unlink(personas.cert_lead, link)
    assert not IncidentLink.objects.exists()


def test_link_pages(client, personas, pair):
    original, duplicate = pair
    url = reverse("incidents:link-add", args=[original.pk])
    login(client, personas.cert_analyst)
    data = {"target": duplicate.reference.lower(), "kind": "related"}
    assert client.post(url, data).status_code == 302
    response = client.post(url, {"target": "SIAGA-NOPE", "kind": "related"})
    assert response.status_code == 400 and "target" in response.context["link_form"].errors
    response = client.post(url, {"target": str(duplicate.pk), "kind": "related"})
    assert response.status_code == 400  # already linked
    page = client.get(reverse("incidents:detail", args=[duplicate.pk]))
    assert original.reference in page.content.decode()
    link = IncidentLink.objects.get()
    delete = reverse("incidents:link-delete", args=[link.pk])
    login(client, personas.constituent_reporter)
    assert client.post(url, data).status_code == 403
    assert client.post(delete).status_code == 404
    page = client.get(reverse("incidents:detail", args=[original.pk]))
    assert page.context["links_out"] == [] and "links-heading" not in page.content.decode()
    login(client, personas.cert_analyst)
    response = client.post(delete, {"incident": duplicate.pk})
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("incidents:detail", args=[duplicate.pk])
    )
    assert not IncidentLink.objects.exists()


def test_merge_moves_everything_and_closes_the_duplicate(personas, make_report, pair):
    original, duplicate = pair
    analyst = personas.cert_analyst
    report = check_triage_report(analyst, make_report(), "attach", incident_id=duplicate.pk)
    check_add_observable(analyst, original, type="ip", value="192.0.2.1")
    check_add_observable(analyst, duplicate, type="ip", value="192.0.2.1")  # already there
    check_add_observable(analyst, duplicate, type="domain", value="evil.example")
    check_add_task(analyst, original, {"title": "first"})
    check_add_task(analyst, duplicate, {"title": "second"})
    check_add_comment(analyst, duplicate, "note", "internal")
    check_add_timeline_event(
        analyst, duplicate, {"occurred_at": original.created_at, "description": "seen"}
    )
    duplicate.shared_with.add(personas.orgs.agency)
    duplicate.personal_data_involved = True
    duplicate.save()

    into = check_merge(analyst, duplicate, original.pk, "same ransom note")

    duplicate.refresh_from_db()
    assert into == original
    assert duplicate.status == "closed" and duplicate.closure_reason == "duplicate"
    assert duplicate.merged_into == original
    assert "same ransom note" in duplicate.status_changes.last().note
    report.refresh_from_db()
    assert report.incident == original
    assert sorted(original.observables.values_list("value", flat=True)) == [
        "192.0.2.1",
        "evil.example",
    ]
    assert Observable.objects.filter(value="192.0.2.1").count() == 2  # no duplicate moved
    assert list(original.tasks.values_list("title", "position")) == [("first", 0), ("second", 1)]
    assert Comment.objects.get().incident == original
    assert original.timeline.count() == 1
    assert set(original.affected_constituents.all()) == {
        personas.orgs.hospital,
        personas.orgs.other_hospital,
    }
    assert list(original.shared_with.all()) == [personas.orgs.agency]
    original.refresh_from_db()
    assert original.personal_data_involved
    record = IncidentMerge.objects.get()
    assert record.into == original and record.merged_reference == duplicate.reference
    assert record.snapshot["reports"] == [report.tracking_id]
    assert record.snapshot["observables"] == ["domain:evil.example"]
    assert record.snapshot["tasks"] == 1 and record.merged_by == analyst


def test_merge_refusals(personas, make_incident, pair):
    original, duplicate = pair
    analyst = personas.cert_analyst
    with pytest.raises(ValidationError) as error:
        check_merge(analyst, original, original.pk)
    assert "into" in error.value.message_dict
    closed = make_incident(title="Closed")
    check_transition(analyst, closed, "closed", closure_reason="resolved")
    with pytest.raises(ValidationError) as error:
        check_merge(analyst, duplicate, closed.pk)
    assert "into" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        check_merge(personas.constituent_admin, duplicate, original.pk)
    with pytest.raises(Http404):
        check_merge(analyst, duplicate, 999_999)
    third = make_incident(title="Third")
    check_merge(analyst, third, original.pk)
    with pytest.raises(ValidationError) as error:
        check_merge(analyst, duplicate, third.pk)  # into an incident merged away
    assert "into" in error.value.message_dict
    with pytest.raises(ValidationError):
        check_merge(analyst, third, duplicate.pk)  # a merged incident again
    with pytest.raises(ValidationError):
        check_add_task(analyst, third, {"title": "x"})  # read-only for case work
    with pytest.raises(ValidationError):
        check_add_comment(analyst, third, "x", "internal")
    assert Task.objects.count() == 0


def test_merge_page_banner_and_records(client, personas, pair):
    original, duplicate = pair
    url = reverse("incidents:merge", args=[duplicate.pk])
    login(client, personas.constituent_admin)
    assert client.post(url, {"into": original.reference, "confirm": "on"}).status_code == 404
    login(client, personas.other_reporter)
    assert client.post(url, {"into": original.reference, "confirm": "on"}).status_code == 403
    login(client, personas.cert_analyst)
    response = client.post(url, {"into": original.reference})
    assert response.status_code == 400 and "confirm" in response.context["merge_form"].errors
    response = client.post(url, {"into": duplicate.reference, "confirm": "on"})
    assert response.status_code == 400 and "into" in response.context["merge_form"].errors
    response = client.post(url, {"into": original.reference, "confirm": "on"})
    assert response.status_code == 302
    page = client.get(reverse("incidents:detail", args=[duplicate.pk]))
    body = page.content.decode()
    assert "This incident was merged into" in body and original.reference in body
    assert page.context["can_work"] is False and page.context.get("task_form") is None
    assert page.context["comment_form"] is None
    page = client.get(reverse("incidents:detail", args=[original.pk]))
    assert duplicate.reference in page.content.decode()
    assert [m.merged_reference for m in page.context["merges"]] == [duplicate.reference]
    login(client, personas.constituent_reporter)
    page = client.get(reverse("incidents:detail", args=[original.pk]))
    assert page.context["merges"] == []  # the record (ids, reports) is the CERT's


def test_api_links_and_merge(personas, pair):
    original, duplicate = pair
    analyst = api_client_for(personas.cert_analyst)
    base = f"/api/v1/incidents/{original.pk}"
    created = analyst.post(
        f"{base}/links",
        {"target_reference": duplicate.reference, "kind": "caused_by"},
        content_type=JSON,
    )
    assert created.status_code == 201, created.content
    assert created.json()["direction"] == "out"
    assert created.json()["incident"]["reference"] == duplicate.reference
    again = analyst.post(f"{base}/links", {"target_id": duplicate.pk}, content_type=JSON)
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "target_id"
    neither = analyst.post(f"{base}/links", {}, content_type=JSON)
    assert neither.status_code == 422
    seen = analyst.get(f"/api/v1/incidents/{duplicate.pk}/links").json()
    assert seen["results"][0]["direction"] == "in"
    reporter = api_client_for(personas.constituent_reporter)
    assert reporter.get(f"{base}/links").status_code == 403
    link_id = created.json()["id"]
    assert reporter.delete(f"/api/v1/links/{link_id}").status_code == 404
    assert api_client_for(personas.auditor).delete(f"/api/v1/links/{link_id}").status_code == 403
    assert analyst.delete(f"/api/v1/links/{link_id}").status_code == 204
    merge = f"/api/v1/incidents/{duplicate.pk}/merge"
    assert reporter.post(merge, {"into_id": original.pk}, content_type=JSON).status_code == 404
    itself = analyst.post(merge, {"into_id": duplicate.pk}, content_type=JSON)
    assert itself.status_code == 422 and itself.json()["errors"][0]["field"] == "into_id"
    merged = analyst.post(merge, {"into_id": original.pk, "note": "dup"}, content_type=JSON)
    assert merged.status_code == 200 and merged.json()["id"] == original.pk
    twice = analyst.post(merge, {"into_id": original.pk}, content_type=JSON)
    assert twice.status_code == 422
