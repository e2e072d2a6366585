"""Demo reports and incidents, on top of the demo organizations and users of ``siaga.core.demo``.

``load_incident_demo()`` is idempotent: it does nothing once its reports exist.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from siaga.accounts.models import User
from siaga.incidents.actions import check_submit_report, check_triage_report, check_update_incident
from siaga.incidents.choices import Channel, Impact, PersonalDataInvolved, TriageAction
from siaga.incidents.models import Report
from siaga.organizations.models import Organization

DEMO_HOSPITAL = "RSUD Sehat Sentosa"
DEMO_REPORTER = "reporter@rsud-ss.siaga.example"
DEMO_ANALYST = "analyst@csirt.siaga.example"
RANSOMWARE_TITLE = "Ransomware on the radiology file server"
PHISHING_TITLE = "Suspicious e-mail asking staff to re-enter SIMRS passwords"


def load_incident_demo() -> list[Report]:
    """One new report waiting in the triage queue and one triaged into a ransomware incident."""
    hospital = Organization.objects.filter(name=DEMO_HOSPITAL).first()
    reporter = User.objects.filter(email=DEMO_REPORTER).first()
    analyst = User.objects.filter(email=DEMO_ANALYST).first()
    if hospital is None or reporter is None or analyst is None:
        return []  # the core demo data set is not loaded
    existing = Report.objects.filter(organization=hospital, title=RANSOMWARE_TITLE).first()
    if existing is not None:
        return list(Report.objects.filter(organization=hospital))
    now = timezone.now()
    ransomware = check_submit_report(
        reporter,
        {
            "title": RANSOMWARE_TITLE,
            "description": "Files on the PACS archive server were renamed with a .lock3 "
            "extension and a ransom note appeared. Imaging is unavailable in two wards.",
            "discovered_at": now - timedelta(hours=5),
            "personal_data_involved": PersonalDataInvolved.YES,
            "suspected_class": "malicious-code",
            "suspected_type": "infected-system",
            "affected_systems": "PACS archive server, radiology workstations",
        },
        organization=hospital,
        channel=Channel.WEB,
        raw={"demo": True, "title": RANSOMWARE_TITLE},
    )
    triaged = check_triage_report(
        analyst, ransomware, TriageAction.NEW_INCIDENT, note="Confirmed by phone with the IT head."
    )
    if triaged.incident is not None:
        check_update_incident(
            analyst,
            triaged.incident,
            {
                "health_tags": ["ransomware", "patient_data_breach"],
                "patient_safety": Impact.MEDIUM,
                "service_disruption": Impact.HIGH,
                "records_affected": Impact.MEDIUM,
                "spread": Impact.LOW,
            },
        )
    phishing = check_submit_report(
        reporter,
        {
            "title": PHISHING_TITLE,
            "description": "Several nurses received an e-mail with a link to a fake SIMRS login.",
            "personal_data_involved": PersonalDataInvolved.UNKNOWN,
            "suspected_class": "fraud",
            "suspected_type": "phishing",
        },
        organization=hospital,
        channel=Channel.WEB,
        raw={"demo": True, "title": PHISHING_TITLE},
    )
    return [triaged, phishing]
