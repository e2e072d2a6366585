"""The case-work sections of the incident page: who sees which section and form, the evidence
section, and a number of queries that does not grow with the rows."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from siaga.core.testing import login
from siaga.incidents.actions.casework import (
    check_add_comment,
    check_add_observable,
    check_add_task,
    check_add_timeline_event,
    check_link_incidents,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(personas, make_incident):
    return make_incident(title="Ours", affected_constituents=[personas.orgs.hospital])


@pytest.mark.parametrize(
    ("persona", "tasks", "links", "work_forms", "comment_form"),
    [
        ("cert_analyst", True, True, True, True),
        ("auditor", True, True, False, True),
        ("constituent_reporter", False, False, False, True),
        ("constituent_admin", False, False, False, True),
    ],
)
def test_sections_per_persona(
    client, personas, incident, persona, tasks, links, work_forms, comment_form
):
    login(client, personas.by_name(persona))
    response = client.get(reverse("incidents:detail", args=[incident.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert ('id="tasks-heading"' in body) == tasks
    assert ('id="links-heading"' in body) == links
    assert 'id="observables-heading"' in body and 'id="timeline-heading"' in body
    assert 'id="evidence-heading"' in body
    assert (response.context.get("task_form") is not None) == work_forms
    assert (response.context.get("merge_form") is not None) == work_forms
    assert (response.context["comment_form"] is not None) == comment_form
    upload = reverse("evidence:incident-upload", args=[incident.pk])
    assert (upload in body) == work_forms


def test_the_report_page_shows_its_evidence_section(client, personas, make_report):
    report = make_report()
    login(client, personas.constituent_reporter)
    response = client.get(reverse("incidents:report-detail", args=[report.pk]))
    body = response.content.decode()
    assert 'id="evidence-heading"' in body
    assert reverse("evidence:report-upload", args=[report.pk]) in body  # still new: may add


def fill(personas, make_incident, incident, rows):
    analyst = personas.cert_analyst
    other = make_incident(title="Other", affected_constituents=[personas.orgs.hospital])
    for number in range(rows):
        check_add_task(analyst, incident, {"title": f"t{number}", "owner": personas.cert_lead})
        observable = check_add_observable(analyst, incident, type="ip", value=f"192.0.2.{number}")
        check_add_observable(analyst, other, type="ip", value=f"192.0.2.{number}")
        check_add_observable(analyst, other, type="cidr", value=f"10.{number}.0.0/16")
        check_add_timeline_event(
            analyst,
            incident,
            {
                "occurred_at": datetime(2026, 1, 1, tzinfo=UTC),
                "description": f"e{number}",
                "visibility": "shared",
                "observables": [observable],
            },
        )
        check_add_comment(analyst, incident, f"c{number}", "shared")
        check_add_comment(personas.constituent_reporter, incident, f"r{number}", "shared")
        link_target = make_incident(title=f"l{number}")
        check_link_incidents(analyst, incident, link_target.pk, "related")


def count_queries(client, incident):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("incidents:detail", args=[incident.pk]))
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("persona", ["cert_analyst", "constituent_reporter"])
def test_the_page_takes_as_many_queries_for_20_rows_as_for_2(
    client, personas, make_incident, persona
):
    small = make_incident(title="Small", affected_constituents=[personas.orgs.hospital])
    large = make_incident(title="Large", affected_constituents=[personas.orgs.hospital])
    fill(personas, make_incident, small, 2)
    fill(personas, make_incident, large, 20)
    login(client, personas.by_name(persona))
    few = count_queries(client, small)
    many = count_queries(client, large)
    assert many == few
    response = client.get(reverse("incidents:detail", args=[large.pk]))
    assert len(response.context["observables"]) == 20
    counts = {o.value: o.correlated for o in response.context["observables"]}
    assert counts["192.0.2.19"] == 1  # the other incident
    assert counts["192.0.2.0"] == 3  # and the small incident with its other one
