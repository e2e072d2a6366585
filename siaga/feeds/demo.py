"""Demo feeds and one processed report, so that a fresh ``make run`` shows events at once.

The feeds are the ones a national health CERT subscribes to; those fetched over the internet are
left switched off (the operator turns them on). The report is a small Shadowserver "Accessible FTP"
report written here — public documentation addresses, the demo hospital's 192.0.2.0/24 among
them, one row too short to read — processed in this process (no worker needed).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from siaga.feeds.actions import do_receive_report, stored_path
from siaga.feeds.choices import CollectorKind, ParserKind, ReportSource
from siaga.feeds.models import Feed
from siaga.feeds.pipeline import process_report

SHADOWSERVER = "Shadowserver"
FEEDS: list[dict[str, Any]] = [
    {
        "name": SHADOWSERVER,
        "provider": "The Shadowserver Foundation",
        "parser": ParserKind.SHADOWSERVER,
        "collector": CollectorKind.UPLOAD,
        "description": "Daily reports about the constituency's networks (scans, sinkholes, honeypots).",
    },
    {
        "name": "Feodo Tracker",
        "provider": "abuse.ch",
        "parser": ParserKind.FEODO_JSON,
        "collector": CollectorKind.HTTP,
        "url": "https://feodotracker.abuse.ch/downloads/ipblocklist.json",
        "fetch_every_minutes": 60,
        "is_active": False,
        "description": "Botnet command-and-control servers.",
    },
    {
        "name": "URLhaus",
        "provider": "abuse.ch",
        "parser": ParserKind.URLHAUS_CSV,
        "collector": CollectorKind.HTTP,
        "url": "https://urlhaus.abuse.ch/downloads/csv_recent/",
        "fetch_every_minutes": 60,
        "is_active": False,
        "description": "URLs distributing malware.",
    },
    {
        "name": "ThreatFox",
        "provider": "abuse.ch",
        "parser": ParserKind.THREATFOX_JSON,
        "collector": CollectorKind.UPLOAD,
        "description": "Indicators of compromise shared by the community.",
    },
]
REPORT_NAME = "2026-11-29-scan_ftp-id-demo.csv"
REPORT = (
    b'"timestamp","ip","protocol","port","hostname","tag","asn","geo","region","city","banner"\n'
    b'"2026-11-29 01:12:09","192.0.2.21","tcp",21,"ftp.rsud-ss.siaga.example","ftp",64500,"ID",'
    b'"DKI JAKARTA","JAKARTA","220 ProFTPD Server (RSUD)"\n'
    b'"2026-11-29 01:13:44","192.0.2.37","tcp",21,,"ftp",64500,"ID","DKI JAKARTA","JAKARTA",'
    b'"220 FileZilla Server 0.9.60 beta"\n'
    b'"2026-11-29 02:40:02","198.51.100.14","tcp",21,,"ftp",64511,"ID","JAWA BARAT","BANDUNG",'
    b'"220 (vsFTPd 3.0.3)"\n'
    b'"2026-11-29 03:05:51","192.0.2.21","tcp",21,"ftp.rsud-ss.siaga.example","ftp",64500,"ID",'
    b'"DKI JAKARTA","JAKARTA","220 ProFTPD Server (RSUD)"\n'
    b'"2026-11-29 03:06:00","203.0.113.9","tcp"\n'
)


@transaction.atomic
def seed_feeds() -> None:
    for spec in FEEDS:
        Feed.objects.get_or_create(name=spec["name"], defaults=spec)


def load_demo_report() -> None:
    """Receive and process the demo report once (receiving the same file again changes nothing)."""
    feed = Feed.objects.get(name=SHADOWSERVER)
    report, created = do_receive_report(
        feed, [REPORT], REPORT_NAME, source=ReportSource.CLI, start=False
    )
    if created:
        process_report(report, stored_path(report))


def load_feeds_demo() -> None:
    seed_feeds()
    load_demo_report()
