"""The demo data: one report waiting for triage, one triaged into a ransomware incident."""

import pytest

from siaga.core.demo import load_demo_data
from siaga.incidents.demo import load_incident_demo
from siaga.incidents.models import Incident, Report

pytestmark = pytest.mark.django_db


def test_the_demo_loads_once():
    assert load_incident_demo() == []  # without the core demo there is nobody to report
    load_demo_data()
    load_incident_demo()
    load_incident_demo()
    assert Report.objects.filter(status="new").count() == 1
    incident = Incident.objects.get()
    assert "ransomware" in incident.health_tags
    assert incident.affected_constituents.get().name == "RSUD Sehat Sentosa"
    assert incident.reports.get().status == "triaged"
