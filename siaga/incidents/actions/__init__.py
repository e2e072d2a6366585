"""State changes of the incidents app (``check_*``, ``do_*``, ``access_*``), one module per subject."""

from siaga.incidents.actions.incidents import (
    INCIDENT_FIELDS,
    RELATION_FIELDS,
    access_incident,
    cert_staff_users,
    check_assign,
    check_create_incident,
    check_transition,
    check_update_incident,
    do_create_incident,
    do_transition,
)
from siaga.incidents.actions.reports import (
    REPORT_FIELDS,
    access_report,
    check_submit_report,
    check_triage_report,
    do_submit_report,
    reporting_organizations,
    send_report_acknowledgement,
    submit_public_report,
)

__all__ = [
    "INCIDENT_FIELDS",
    "RELATION_FIELDS",
    "REPORT_FIELDS",
    "access_incident",
    "access_report",
    "cert_staff_users",
    "check_assign",
    "check_create_incident",
    "check_submit_report",
    "check_transition",
    "check_triage_report",
    "check_update_incident",
    "do_create_incident",
    "do_submit_report",
    "do_transition",
    "reporting_organizations",
    "send_report_acknowledgement",
    "submit_public_report",
]
