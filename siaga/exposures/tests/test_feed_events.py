"""Vulnerable-service feed events that name a CVE attach to the constituent's findings."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from siaga.events.models import Event
from siaga.exposures.actions import attach_feed_events, cves_in, do_match_all
from siaga.exposures.choices import FindingSource
from siaga.exposures.models import Finding, FindingEvent
from siaga.exposures.tests.conftest import make_item, make_product, make_vulnerability

pytestmark = pytest.mark.django_db
_keys = itertools.count(5000)


def make_event(organization: Any, **fields: Any) -> Event:
    now = timezone.now()
    values: dict[str, Any] = {
        "feed_name": "Vulnerable-HTTP",
        "classification_taxonomy": "vulnerable",
        "classification_type": "vulnerable-system",
        "classification_identifier": "vulnerable-http",
        "source_ip": "192.0.2.10",
        "source_port": 443,
        "severity": 3,
        "dedupe_key": next(_keys),
        "time_observation": now,
        "last_seen": now,
        "constituent": organization,
        "extra": {"tag": "cve-2021-26855;exchange"},
    }
    values.update(fields)
    return Event.objects.create(**values)


def test_cves_in_reads_nested_values() -> None:
    assert cves_in("x", {"tag": "cve-2021-26855;CVE-2021-27065"}, ["CVE-2020-0001"], None) == {
        "CVE-2021-26855",
        "CVE-2021-27065",
        "CVE-2020-0001",
    }


def test_event_links_to_existing_finding(orgs: Any) -> None:
    vulnerability = make_vulnerability("CVE-2021-26855", in_kev=True)
    make_product(vulnerability, vendor="Microsoft", product="Exchange Server")
    item = make_item(orgs.hospital, vendor="Microsoft", product="Exchange Server")
    do_match_all(notify=False)
    event = make_event(orgs.hospital)
    result = attach_feed_events(timezone.now() - timedelta(hours=1))
    assert (result.with_cve, result.linked, result.created) == (1, 1, 0)
    finding = Finding.objects.get(inventory_item=item)
    sighting = finding.feed_events.get()
    assert (sighting.event_id, sighting.source_ip, sighting.source_port) == (
        event.pk,
        "192.0.2.10",
        443,
    )
    # Again over the same period: linked once.
    again = attach_feed_events(timezone.now() - timedelta(hours=1))
    assert again.linked == 0
    assert FindingEvent.objects.count() == 1


def test_event_without_inventory_makes_a_feed_finding(orgs: Any) -> None:
    make_vulnerability("CVE-2021-26855", in_kev=True)
    make_event(orgs.other_hospital, source_ip="198.51.100.7", source_port=8443)
    make_event(orgs.other_hospital, source_ip="198.51.100.8", source_port=443)
    result = attach_feed_events(timezone.now() - timedelta(hours=1))
    assert result.created == 1 and result.linked == 2
    finding = Finding.objects.get()
    assert finding.source == FindingSource.FEED and finding.inventory_item is None
    assert finding.organization == orgs.other_hospital and finding.in_kev
    assert "198.51.100.7:8443" in finding.remediation_notes
    assert "Vulnerable-HTTP" in finding.remediation_notes
    # The matching run leaves feed findings alone.
    assert do_match_all(notify=False).resolved == 0


def test_unknown_cves_and_events_without_cve_are_counted_only(orgs: Any) -> None:
    make_event(orgs.hospital, extra={"tag": "cve-2099-99999"})
    make_event(orgs.hospital, extra={"tag": "http"})
    make_event(
        orgs.hospital, classification_taxonomy="malicious-code", extra={"tag": "CVE-2021-26855"}
    )
    result = attach_feed_events(timezone.now() - timedelta(hours=1))
    assert result.events == 2
    assert result.unknown_cves == {"CVE-2099-99999"}
    assert not Finding.objects.exists()


def test_old_events_are_left_out(orgs: Any) -> None:
    make_vulnerability("CVE-2021-26855")
    old = timezone.now() - timedelta(days=5)
    make_event(orgs.hospital, time_observation=old, last_seen=old)
    assert attach_feed_events(timezone.now() - timedelta(days=1)).events == 0
