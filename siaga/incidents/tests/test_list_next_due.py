"""The "next due" column of the incident list, the triage queue's waiting time, constant queries."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from siaga.core.testing import login
from siaga.incidents.actions import check_assign
from siaga.incidents.models import Comment, Incident, LegalClock, Report, SavedFilter


def rows(client, **params):
    response = client.get(reverse("incidents:list"), params)
    assert response.status_code == 200
    return {i.title: i.next_deadline for i in response.context["page"].object_list}, response


def test_next_due_is_the_sla_or_a_sooner_clock(client, personas, make_incident):
    plain = make_incident(title="plain")
    leak = make_incident(title="leak", personal_data_involved=True)
    LegalClock.objects.filter(incident=leak).update(due_at=timezone.now() + timedelta(hours=1))
    login(client, personas.cert_analyst)
    due, response = rows(client)
    assert not due["plain"].is_clock
    assert due["plain"].due_at == plain.reported_at + timedelta(hours=24)
    assert due["leak"].is_clock
    assert "Personal-data breach notice" in response.content.decode()


def test_breached_and_due_soon_are_highlighted(client, personas, make_incident):
    late = make_incident(title="late")
    soon = make_incident(title="soon")
    Incident.objects.filter(pk=late.pk).update(reported_at=timezone.now() - timedelta(hours=30))
    Incident.objects.filter(pk=soon.pk).update(reported_at=timezone.now() - timedelta(hours=20))
    login(client, personas.cert_analyst)
    due, response = rows(client)
    assert due["late"].state == "breached"
    assert due["soon"].state == "due_soon"
    body = response.content.decode()
    assert 'data-due-state="breached"' in body and 'data-due-state="due_soon"' in body
    assert 'class="is-overdue"' in body


def test_a_closed_incident_has_nothing_due(client, personas, make_incident):
    incident = make_incident(title="done")
    Incident.objects.filter(pk=incident.pk).update(status="closed", closure_reason="resolved")
    login(client, personas.cert_analyst)
    due, _response = rows(client)
    assert due["done"] is None


def test_the_list_queries_do_not_grow_with_rows(
    client, personas, make_incident, django_assert_max_num_queries
):
    SavedFilter.objects.create(user=personas.cert_analyst, name="Mine", query="tlp=red")
    first = make_incident(
        title="First incident",
        personal_data_involved=True,
        affected_constituents=[personas.orgs.hospital],
    )
    # Breached and with a running clock, so that the filtered page has a row to draw too.
    Incident.objects.filter(pk=first.pk).update(reported_at=timezone.now() - timedelta(days=2))
    login(client, personas.cert_analyst)
    params = {"q": "incident", "sla": "breached", "running_clock": "yes"}
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("incidents:list"))
    with CaptureQueriesContext(connection) as few_filtered:
        client.get(reverse("incidents:list"), params)
    for number in range(30):
        incident = make_incident(
            title=f"Incident {number}",
            personal_data_involved=True,
            affected_constituents=[personas.orgs.hospital, personas.orgs.other_hospital],
        )
        check_assign(personas.cert_lead, incident, personas.cert_analyst.pk)
        Comment.objects.create(incident=incident, body="incident note")
        Incident.objects.filter(pk=incident.pk).update(
            reported_at=timezone.now() - timedelta(days=2)
        )
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse("incidents:list"))
    assert len(response.context["page"].object_list) == 25
    with django_assert_max_num_queries(len(few_filtered)):
        response = client.get(reverse("incidents:list"), params)
    assert len(response.context["page"].object_list) == 25


def test_the_triage_queue_shows_how_long_a_new_report_waited(client, personas, make_report):
    report = make_report()
    Report.objects.filter(pk=report.pk).update(created_at=timezone.now() - timedelta(hours=3))
    login(client, personas.cert_analyst)
    body = client.get(reverse("incidents:report-list")).content.decode()
    assert "Waiting" in body
    assert "3\xa0hours" in body
