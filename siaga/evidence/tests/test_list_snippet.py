"""The evidence list snippet that incident and report pages include."""

from __future__ import annotations

from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from siaga.core.testing import Personas
from siaga.evidence import actions
from siaga.evidence.tests.helpers import upload
from siaga.incidents.models import Incident, Report


def _render(personas: Personas, incident: Incident) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        items = list(actions.evidence_of_incident(personas.cert_admin, incident))
        html = render_to_string("evidence/_list.html", {"items": items, "upload_url": "/up/"})
    return html, len(queries)


def test_query_count_is_constant(personas: Personas, incident: Incident) -> None:
    actions.check_add_evidence(personas.cert_lead, incident=incident, upload=upload())
    _render(personas, incident)  # warm the principal cache
    _html, one = _render(personas, incident)
    for _ in range(5):
        actions.check_add_evidence(personas.cert_analyst, incident=incident, upload=upload())
    html, six = _render(personas, incident)
    assert six == one
    assert html.count("notes.txt") == 6
    assert 'href="/up/"' in html


def test_incident_list_includes_visible_evidence_of_its_reports(
    personas: Personas, incident: Incident, report: Report
) -> None:
    Report.objects.filter(pk=report.pk).update(incident=incident)
    report.refresh_from_db()
    actions.check_add_evidence(personas.constituent_reporter, report=report, upload=upload())
    assert actions.evidence_of_incident(personas.cert_admin, incident).count() == 1
    assert actions.evidence_of_incident(personas.constituent_admin, incident).count() == 1
    assert actions.evidence_of_incident(personas.other_reporter, incident).count() == 0


def test_empty_list() -> None:
    assert "No evidence yet." in render_to_string("evidence/_list.html", {"items": []})
