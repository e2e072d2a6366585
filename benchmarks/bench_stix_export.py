"""STIX export and publishing at scale: 200,000 indicators out as one streamed bundle.

Seeds (once; re-runs reuse the data) a seeded set of indicators of all types, a third with
ATT&CK techniques and malware tags, into a database of its own. Then measures, printing
objects/s and the peak RSS of the process (the bundle is streamed: memory stays flat):

- the indicator export a CERT analyst makes (``check_export_indicators``, written to /dev/null);
- publishing every indicator into the STIX store (``publish_indicators``), then again with
  nothing changed (every version compared, none written);
- the export of the store's latest indicator versions (raw JSON concatenated).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/siaga_bench \\
        .venv/bin/python benchmarks/bench_stix_export.py

The database is created if missing (PostgreSQL). ``--indicators`` for a smaller run.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SOURCE_NAME = "STIX export bench source"


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


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def random_value(rng: random.Random, n: int) -> tuple[str, str]:
    kind = rng.choice(["ip", "domain", "url", "sha256", "md5", "email", "cidr", "filename"])
    value = {
        "ip": f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}",
        "cidr": f"{n // 65536 % 223 + 1}.{n // 256 % 256}.{n % 256}.0/24",
        "domain": f"host{n}.bench-evil.example",
        "url": f"http://host{n}.bench-evil.example/p/{n}",
        "sha256": f"{n:064x}",
        "md5": f"{n:032x}",
        "email": f"user{n}@bench-evil.example",
        "filename": f"payload-{n}.exe",
    }[kind]
    return kind, value


def seed(count: int) -> Any:
    from django.db import transaction

    from siaga.core.observables import normalize, value_key
    from siaga.intel.models import Indicator
    from siaga.organizations.models import Organization

    source, _created = Organization.objects.get_or_create(
        name=SOURCE_NAME, defaults={"kind": "member_agency"}
    )
    have = Indicator.objects.filter(organization=source).count()
    if have >= count:
        print(f"reusing {have:,} indicators already seeded")
        return source
    rng = random.Random(2026)
    started = time.perf_counter()
    for start in range(have, count, 5000):
        batch = []
        for n in range(start, min(count, start + 5000)):
            kind, value = random_value(rng, n)
            canonical = normalize(kind, value)
            extra = n % 3 == 0
            batch.append(
                Indicator(
                    organization=source,
                    type=kind,
                    value=canonical,
                    value_key=value_key(kind, canonical),
                    tlp="green",
                    distribution="constituents",
                    confidence=rng.randint(10, 100),
                    tags=["bench", "malware:Emotet"] if extra else ["bench"],
                    attack_techniques=["T1071", "T1566.001"] if extra else [],
                )
            )
        with transaction.atomic():
            Indicator.objects.bulk_create(batch, batch_size=5000)
    print(f"seeded {count - have:,} indicators in {time.perf_counter() - started:,.1f} s")
    return source


def analyst() -> Any:
    from siaga.accounts.models import User
    from siaga.accounts.roles import Role
    from siaga.organizations.models import Membership, Organization

    cert, _created = Organization.objects.get_or_create(
        name="STIX export bench CERT", defaults={"kind": "cert"}
    )
    user = User.objects.filter(email="analyst@stix-export.bench").first()
    if user is None:
        user = User.objects.create_user(email="analyst@stix-export.bench", password=None)
        Membership.objects.create(user=user, organization=cert, role=Role.CERT_ANALYST)
    return user


def timed(label: str, run: Any, unit: str) -> None:
    started = time.perf_counter()
    done = run()
    seconds = time.perf_counter() - started
    print(
        f"{label}: {done:,} {unit} in {seconds:,.1f} s = {done / seconds:,.0f} {unit}/s; "
        f"peak RSS {rss_mb():,.0f} MB"
    )


def export_to_null(chunks: Any) -> int:
    """Write the bundle to /dev/null; the number of objects written."""
    objects = 0
    with open(os.devnull, "w") as sink:
        for chunk in chunks:
            sink.write(chunk)
            objects += 1
    return objects - 2  # less the opening and the closing piece


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--indicators", type=int, default=200_000)
    args = parser.parse_args()
    os.environ.setdefault("SIAGA_DATA_DIR", tempfile.mkdtemp(prefix="siaga-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siaga.settings")
    os.environ["SIAGA_TESTING"] = "true"
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        ensure_postgres_database(url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from siaga.intel.models import Indicator
    from siaga.stix import export_actions, publish
    from siaga.stix.models import StixObject

    call_command("migrate", verbosity=0)
    source = seed(args.indicators)
    user = analyst()
    StixObject.objects.filter(source=publish.SOURCE, organization=source).delete()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {connection.vendor}; RSS {rss_mb():,.0f} MB"
    )
    timed(
        "indicator export (bundle)",
        lambda: export_to_null(export_actions.check_export_indicators(user, {})),
        "objects",
    )
    own = Indicator.objects.filter(organization=source)
    timed("publish into the store", lambda: publish.publish_indicators(own), "versions")
    started = time.perf_counter()
    written = publish.publish_indicators(own)
    seconds = time.perf_counter() - started
    print(
        f"re-publish, nothing changed: {own.count():,} compared, {written} written in "
        f"{seconds:,.1f} s = {own.count() / seconds:,.0f} indicators/s"
    )
    timed(
        "store export (raw, indicators)",
        lambda: export_to_null(export_actions.check_export_store_objects(user, "indicator")),
        "objects",
    )


if __name__ == "__main__":
    main()
