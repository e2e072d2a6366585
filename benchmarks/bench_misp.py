"""MISP interoperability at scale: importing a feed directory, then publishing a feed.

Generates (once; re-runs reuse it) a seeded MISP feed directory — ``--events`` events of
``--attributes`` attributes each, in a realistic mix of types (addresses, domains, URLs, hashes,
``domain|ip`` and ``filename|md5`` pairs, 5 % types Siaga does not import), with TLP tags, an
ATT&CK galaxy and a few sightings — plus its ``manifest.json`` and ``hashes.csv``. Then, in a
database of its own:

- imports the feed (attributes/s, peak RSS) and imports it again (all updates: idempotency);
- builds the feed of everything a hospital may see and the public feed (indicators/s, RSS):
  the files are streamed, so memory stays flat whatever the size.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/siaga_bench \\
        .venv/bin/python benchmarks/bench_misp.py

The database is created if missing (PostgreSQL).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ORGANIZATION = "MISP bench CERT"
TLPS = ["tlp:clear", "tlp:green", "tlp:green", "tlp:amber", "tlp:white"]


def ensure_postgres_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


# --- The feed -------------------------------------------------------------------------------------


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _attribute(rng: random.Random, n: int) -> dict[str, Any]:
    kind = rng.choices(
        ["ip-dst", "domain", "url", "sha256", "md5", "domain|ip", "filename|md5", "text"],
        [25, 20, 15, 10, 10, 8, 7, 5],
    )[0]
    ip = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
    digest = hashlib.sha256(str(n).encode()).hexdigest()
    value = {
        "ip-dst": ip,
        "domain": f"host{n}.bench{n % 97}.example",
        "url": f"https://bench{n % 89}.example/p/{n}",
        "sha256": digest,
        "md5": digest[:32],
        "domain|ip": f"pair{n}.bench.example|{ip}",
        "filename|md5": f"payload{n}.exe|{digest[32:]}",
        "text": f"note {n}",
    }[kind]
    attribute: dict[str, Any] = {
        "uuid": _uuid(rng),
        "type": kind,
        "category": "Network activity",
        "value": value,
        "to_ids": rng.random() < 0.8,
        "distribution": "5",
        "timestamp": str(1_700_000_000 + n),
    }
    if rng.random() < 0.1:
        attribute["Tag"] = [{"name": rng.choice(TLPS)}]
    if rng.random() < 0.02:
        attribute["Sighting"] = [
            {"type": str(rng.choice([0, 0, 1])), "date_sighting": str(1_700_100_000 + n)}
        ]
    return attribute


def write_feed(path: Path, events: int, attributes: int) -> None:
    rng = random.Random(2026)
    path.mkdir(parents=True)
    manifest: dict[str, Any] = {}
    hashes: list[str] = []
    n = 0
    started = time.perf_counter()
    for index in range(events):
        event_uuid = _uuid(rng)
        body = {
            "uuid": event_uuid,
            "info": f"Bench event {index}",
            "date": "2025-05-01",
            "timestamp": str(1_746_000_000 + index),
            "distribution": "1",
            "threat_level_id": "2",
            "analysis": "2",
            "Orgc": {"name": "Bench partner", "uuid": "0b0b0b0b-0000-4000-8000-000000000000"},
            "Tag": [{"name": rng.choice(TLPS)}, {"name": 'rsit:malicious-code="c2-server"'}],
            "Galaxy": [
                {
                    "type": "mitre-attack-pattern",
                    "GalaxyCluster": [
                        {"tag_name": 'misp-galaxy:mitre-attack-pattern="Phishing - T1566"'}
                    ],
                }
            ],
            "Attribute": [],
        }
        for _ in range(attributes):
            attribute = _attribute(rng, n)
            body["Attribute"].append(attribute)
            for part in attribute["value"].split("|"):
                hashes.append(f"{hashlib.md5(part.encode()).hexdigest()},{event_uuid}\n")  # noqa: S324
            n += 1
        (path / f"{event_uuid}.json").write_text(json.dumps({"Event": body}))
        manifest[event_uuid] = {
            "info": body["info"],
            "date": body["date"],
            "analysis": 2,
            "threat_level_id": 2,
            "timestamp": int(body["timestamp"]),
            "Orgc": body["Orgc"],
            "Tag": body["Tag"],
        }
    (path / "manifest.json").write_text(json.dumps(manifest))
    (path / "hashes.csv").write_text("".join(hashes))
    print(f"generated {events} events, {n:,} attributes in {time.perf_counter() - started:.0f} s")


# --- Measuring ------------------------------------------------------------------------------------


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def run_import(path: Path, organization: Any, attributes: int, label: str) -> None:
    from siaga.integrations.misp.actions import do_import
    from siaga.integrations.misp.importer import ImportDefaults
    from siaga.integrations.misp.sources import DirectoryFeed, feed_events

    defaults = ImportDefaults(organization, "amber", "organization")
    started = time.perf_counter()
    result = do_import(feed_events(DirectoryFeed(path)), defaults, label="bench")
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{label}: {attributes:,} attributes in {elapsed:.1f} s = {attributes / elapsed:,.0f} "
        f"attributes/s; {result.created:,} created, {result.updated:,} updated, "
        f"{result.sightings:,} sightings, not imported {dict(result.not_imported)}; "
        f"peak RSS {peak:,.0f} MB"
    )


def run_feed(audience: Any, label: str) -> None:
    from siaga.integrations.misp.feed import build_feed

    started = time.perf_counter()
    before = rss_mb()
    files = size = attributes = 0
    for name, data in build_feed(audience):
        files += 1
        size += len(data)
        if name != "manifest.json" and name.endswith(".json"):
            attributes += data.count(b'"uuid"') - 1
    elapsed = time.perf_counter() - started
    print(
        f"{label}: {files:,} files, {size / 1e6:,.1f} MB, {attributes:,} attributes in "
        f"{elapsed:.1f} s = {attributes / max(elapsed, 1e-9):,.0f} attributes/s; "
        f"RSS {before:,.0f} → {rss_mb():,.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=50)
    parser.add_argument("--attributes", type=int, default=2_000, help="per event")
    parser.add_argument("--dir", type=Path, help="Where the feed is written (kept for re-runs).")
    args = parser.parse_args()
    os.environ.setdefault("SIAGA_DATA_DIR", tempfile.mkdtemp(prefix="siaga-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siaga.settings")
    os.environ["SIAGA_TESTING"] = "true"
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        ensure_postgres_database(url)
    path = args.dir or Path(tempfile.gettempdir()) / (
        f"siaga-bench-misp-{args.events}x{args.attributes}"
    )
    if not path.exists():
        write_feed(path, args.events, args.attributes)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from siaga.integrations.misp.models import MispImportRecord
    from siaga.intel.models import Indicator, Sighting
    from siaga.organizations.models import Organization
    from siaga.sharing.visibility import PUBLIC, audience_for_organization

    call_command("migrate", verbosity=0)
    organization, _created = Organization.objects.get_or_create(
        name=ORGANIZATION, defaults={"kind": "cert"}
    )
    hospital, _created = Organization.objects.get_or_create(
        name="MISP bench hospital", defaults={"kind": "constituent"}
    )
    MispImportRecord.objects.filter(indicator__organization=organization)._raw_delete("default")
    Sighting.objects.filter(organization=organization)._raw_delete("default")
    Indicator.objects.filter(organization=organization)._raw_delete("default")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{connection.vendor}; RSS before {rss_mb():,.0f} MB"
    )
    total = args.events * args.attributes
    run_import(path, organization, total, "first import")
    run_import(path, organization, total, "re-import")
    run_feed(audience_for_organization(hospital), "hospital feed")
    run_feed(PUBLIC, "public feed")


if __name__ == "__main__":
    main()
