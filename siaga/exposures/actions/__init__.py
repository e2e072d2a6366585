"""The matching run, remediation tracking, notification of new findings and feed sightings.

**The matching run** (``do_match_all``; the ``exposures.match`` job, the beat task, and one
constituent at a time after its inventory changes):

1. reads the inventory items of active constituents as plain tuples (one query) into an
   ``InventoryIndex`` — items grouped by what matching reads, indexed by CPE, purl and name keys;
2. walks the affected products (status "affected", CVE not rejected; one query), looks up each
   product's candidate groups in the index and reads versions once per group, so the work grows
   with products times candidates, never products times items;
3. compares the wanted (item, CVE) pairs with the stored findings (one query) and writes only the
   difference, ``BATCH`` rows per transaction: new findings, refreshed KEV/EPSS/CVSS/due date,
   reopened findings whose match came back, and ``resolved_unmatched`` for findings whose match is
   gone (their item deleted, its version moved out of range, the product list changed). A second
   run with nothing changed writes nothing (``last_seen`` moves at most once a day);
4. after that, e-mails each constituent once about its findings not yet notified
   (``do_notify_new_findings``).

Remediation: ``check_change_finding`` (status and/or comment) records a ``FindingChange`` and the
audit trail's entry in one transaction.

Feed sightings: ``attach_feed_events`` reads vulnerable-service events of constituents that name a
CVE and links them to the constituent's findings for it, or makes a feed finding without an item.
"""

from siaga.exposures.actions.feed import AttachResult, attach_feed_events, cves_in
from siaga.exposures.actions.findings import (
    access_finding,
    check_change_finding,
    do_change_finding,
    exposure_panel_context,
    finding_filter_q,
    visible_findings,
)
from siaga.exposures.actions.notify import (
    EVENT_KIND,
    do_notify_new_findings,
    finding_contacts,
    register_notifications,
)
from siaga.exposures.actions.run import (
    BATCH,
    OBJECT_TYPE,
    MatchResult,
    do_match_all,
    do_match_organization,
    due_days_policy,
)

__all__ = [
    "BATCH",
    "EVENT_KIND",
    "OBJECT_TYPE",
    "AttachResult",
    "MatchResult",
    "access_finding",
    "attach_feed_events",
    "check_change_finding",
    "cves_in",
    "do_change_finding",
    "do_match_all",
    "do_match_organization",
    "do_notify_new_findings",
    "due_days_policy",
    "exposure_panel_context",
    "finding_contacts",
    "finding_filter_q",
    "register_notifications",
    "visible_findings",
]
