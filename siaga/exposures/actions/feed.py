"""Feed events that saw a vulnerable service attach to the constituent's findings."""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from siaga.audit.actions import do_record_event
from siaga.audit.choices import AuditAction
from siaga.exposures.actions.run import OBJECT_TYPE, due_days_policy, vuln_facts
from siaga.exposures.choices import Certainty, FindingSource
from siaga.exposures.models import Finding, FindingEvent
from siaga.vulns.models import Vulnerability

EVENT_BATCH = 1000  # feed events read per query
CVE_RE = re.compile(r"CVE-\d{4}-\d{4,19}", re.IGNORECASE)


# --- Feed sightings -----------------------------------------------------------------------------


def cves_in(*values: Any) -> set[str]:
    """The CVE identifiers named anywhere in the given texts, lists or dicts (upper case)."""
    found: set[str] = set()
    stack = list(values)
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            found.update(match.upper() for match in CVE_RE.findall(value))
        elif isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list | tuple):
            stack.extend(value)
    return found


@dataclass
class AttachResult:
    events: int = 0
    with_cve: int = 0
    linked: int = 0
    created: int = 0
    unknown_cves: set[str] = field(default_factory=set)

    def as_dict(self) -> dict[str, Any]:
        return {
            "events": self.events,
            "with_cve": self.with_cve,
            "linked": self.linked,
            "created": self.created,
            "unknown_cves": sorted(self.unknown_cves)[:100],
        }


_EVENT_FIELDS = (
    "id",
    "constituent_id",
    "feed_name",
    "source_ip",
    "source_port",
    "time_observation",
    "classification_identifier",
    "event_description_text",
    "extra",
    "report_id",
    "report_offset",
)


def _feed_events(since: datetime) -> QuerySet:
    from siaga.events.models import Event

    return (
        Event.objects.filter(
            last_seen__gte=since,
            classification_taxonomy="vulnerable",
            constituent__isnull=False,
        )
        .order_by("pk")
        .values(*_EVENT_FIELDS)
    )


def _event_cves(rows: list[dict[str, Any]]) -> dict[int, set[str]]:
    from siaga.events.models import Event
    from siaga.feeds import details

    extras = details.extras_for(
        Event(
            pk=row["id"],
            extra=row["extra"],
            report_id=row["report_id"],
            report_offset=row["report_offset"],
        )
        for row in rows
    )
    return {
        row["id"]: cves_in(
            row["classification_identifier"],
            row["event_description_text"],
            extras.get(row["id"]) or {},
        )
        for row in rows
    }


def attach_feed_events(
    since: datetime | None = None, *, now: datetime | None = None
) -> AttachResult:
    """Link vulnerable-service feed events that name a CVE to the constituent's findings for that
    CVE; when the constituent has none, make a feed finding without an item ("seen exposed at
    IP:port by feed X"). Events of CVEs Siaga does not know are counted, not stored. Safe to run
    again over the same period: a sighting is linked once."""
    now = now or timezone.now()
    since = since or now - timedelta(days=1)
    result = AttachResult()
    policy = due_days_policy()
    rows_iter = _feed_events(since).iterator(chunk_size=EVENT_BATCH)
    for batch in itertools.batched(rows_iter, EVENT_BATCH):
        rows = list(batch)
        result.events += len(rows)
        cves_by_event = _event_cves(rows)
        named = {cve for cves in cves_by_event.values() for cve in cves}
        if not named:
            continue
        vulns = dict(Vulnerability.objects.filter(cve_id__in=named).values_list("cve_id", "pk"))
        result.unknown_cves |= named - set(vulns)
        with transaction.atomic():
            _attach_batch(rows, cves_by_event, vulns, now, policy, result)
    if result.linked or result.created:
        with transaction.atomic():
            do_record_event(
                AuditAction.UPDATE,
                object_type=OBJECT_TYPE,
                object_repr="feed sightings attached to findings",
                changes={"event": "feed sightings", **result.as_dict()},
            )
    return result


def _attach_batch(
    rows: list[dict[str, Any]],
    cves_by_event: dict[int, set[str]],
    vulns: dict[str, int],
    now: datetime,
    policy: dict[str, int],
    result: AttachResult,
) -> None:
    pairs: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        cves = [cve for cve in cves_by_event[row["id"]] if cve in vulns]
        if cves:
            result.with_cve += 1
        for cve in cves:
            pairs[(row["constituent_id"], vulns[cve])].append(row)
    if not pairs:
        return
    org_ids = {org for org, _vuln in pairs}
    vuln_ids = {vuln for _org, vuln in pairs}
    findings: dict[tuple[int, int], list[int]] = defaultdict(list)
    for pk, org, vuln in Finding.objects.filter(
        organization_id__in=org_ids, vulnerability_id__in=vuln_ids
    ).values_list("pk", "organization_id", "vulnerability_id"):
        findings[(org, vuln)].append(pk)
    facts = vuln_facts(vuln_ids)
    missing = [key for key in pairs if key not in findings]
    for org, vuln in missing:
        first = min(row["time_observation"] for row in pairs[(org, vuln)])
        first = min(first, now)
        fact = facts[vuln]
        sighting = pairs[(org, vuln)][0]
        finding, created = Finding.objects.get_or_create(
            organization_id=org,
            vulnerability_id=vuln,
            inventory_item=None,
            source=FindingSource.FEED,
            defaults={
                "certainty": Certainty.UNKNOWN,
                "in_kev": fact.in_kev,
                "epss_score": fact.epss_score,
                "cvss_score": fact.cvss_score,
                "cvss_severity": fact.cvss_severity,
                "due_date": fact.due_date(now, policy),
                "first_seen": now,
                "last_seen": max(r["time_observation"] for r in pairs[(org, vuln)]),
                "remediation_notes": _exposure_note(sighting),
            },
        )
        findings[(org, vuln)].append(finding.pk)
        result.created += int(created)
    links: list[FindingEvent] = []
    for key, event_rows in pairs.items():
        for finding_id in findings[key]:
            for row in event_rows:
                links.append(
                    FindingEvent(
                        finding_id=finding_id,
                        event_id=row["id"],
                        feed_name=row["feed_name"][:200],
                        source_ip=row["source_ip"],
                        source_port=row["source_port"],
                        observed_at=row["time_observation"],
                    )
                )
    before = FindingEvent.objects.filter(finding_id__in=[link.finding_id for link in links]).count()
    FindingEvent.objects.bulk_create(links, ignore_conflicts=True)
    after = FindingEvent.objects.filter(finding_id__in=[link.finding_id for link in links]).count()
    result.linked += after - before


def _exposure_note(row: dict[str, Any]) -> str:
    address = row["source_ip"] or "?"
    if row["source_port"] is not None:
        address = f"{address}:{row['source_port']}"
    return _("Seen exposed at %(address)s by the feed %(feed)s.") % {
        "address": address,
        "feed": row["feed_name"],
    }
