"""STIX import at scale: a 1,000,000-object bundle streamed into the STIX store.

Generates (once; re-runs reuse the file) a seeded STIX 2.1 bundle of indicators with
one-comparison patterns (each also becomes an indicator of the store), cyber observables,
observed-data, relationships (1 % of them to objects not in the bundle: pending references),
malware, and custom ``x-siaga-bench-*`` objects with custom properties; 5 % of the indicators come
twice, in an older and a newer version. Then imports it with ``import_bundle_file`` into a
database of its own, and prints objects/s, the peak RSS of the process and the RSS sampled along
the way (it stays flat: the file is never loaded whole), then re-imports it (all duplicates).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/siaga_bench \\
        .venv/bin/python benchmarks/bench_stix_import.py

The database is created if missing (PostgreSQL). ``--objects`` for a smaller run.
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
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SOURCE = "bench-stix-import"
OBJECTS = [1_000_000]


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


# --- the bundle -----------------------------------------------------------------------------------


def stix_id(rng: random.Random, type_: str) -> str:
    return f"{type_}--{uuid.UUID(int=rng.getrandbits(128), version=4)}"


def timestamp(rng: random.Random) -> str:
    return (
        f"20{rng.randint(15, 25)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        f"T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}."
        f"{rng.randint(0, 999):03d}Z"
    )


def common(rng: random.Random, type_: str) -> dict[str, Any]:
    created = timestamp(rng)
    return {
        "type": type_,
        "spec_version": "2.1",
        "id": stix_id(rng, type_),
        "created": created,
        "modified": created,
    }


def pattern_for(rng: random.Random, n: int) -> str:
    kind = n % 3
    if kind == 0:
        return f"[ipv4-addr:value = '{10 + n // 65536 % 200}.{n // 256 % 256}.{n % 256}.{rng.randint(1, 254)}']"
    if kind == 1:
        return f"[domain-name:value = 'host{n}.bench{n % 97}.example']"
    return f"[url:value = 'https://bench{n % 89}.example/p/{n}']"


class Generator:
    """Objects of a seeded bundle, in a realistic mix."""

    def __init__(self, seed: int = 2026) -> None:
        self.rng = random.Random(seed)
        self.indicators: list[str] = []
        self.targets: list[str] = []
        self.n = 0

    def indicator(self) -> list[dict[str, Any]]:
        obj = common(self.rng, "indicator")
        obj.update(
            name=f"Bench indicator {self.n}",
            pattern=pattern_for(self.rng, self.n),
            pattern_type="stix",
            valid_from=obj["created"],
            indicator_types=["malicious-activity"],
            labels=["bench"],
            confidence=self.rng.randint(10, 100),
        )
        self._remember(self.indicators, obj["id"])
        if self.rng.random() < 0.05:  # an older version comes too
            older = dict(obj, modified=obj["created"])
            obj["modified"] = obj["modified"][:2] + "26" + obj["modified"][4:]
            return [obj, older]
        return [obj]

    def observable(self) -> list[dict[str, Any]]:
        value = (
            f"172.{self.rng.randint(16, 31)}.{self.rng.randint(0, 255)}.{self.rng.randint(1, 254)}"
        )
        sco = {"type": "ipv4-addr", "spec_version": "2.1", "id": stix_id(self.rng, "ipv4-addr"),
               "value": value}  # fmt: skip
        observed = common(self.rng, "observed-data")
        observed.update(
            first_observed=observed["created"],
            last_observed=observed["created"],
            number_observed=self.rng.randint(1, 50),
            object_refs=[sco["id"]],
        )
        return [sco, observed]

    def relationship(self) -> list[dict[str, Any]]:
        obj = common(self.rng, "relationship")
        absent = self.rng.random() < 0.01 or not self.indicators or not self.targets
        target = stix_id(self.rng, "malware") if absent else self.rng.choice(self.targets)
        source = (
            self.rng.choice(self.indicators) if self.indicators else stix_id(self.rng, "indicator")
        )
        obj.update(relationship_type="indicates", source_ref=source, target_ref=target)
        return [obj]

    def malware(self) -> list[dict[str, Any]]:
        obj = common(self.rng, "malware")
        obj.update(name=f"Bench family {self.n}", is_family=True, malware_types=["ransomware"])
        self._remember(self.targets, obj["id"])
        return [obj]

    def custom(self) -> list[dict[str, Any]]:
        obj = common(self.rng, "x-siaga-bench-asset")
        obj.update(
            x_ward={"name": f"Ward {self.n % 40}", "beds": self.rng.randint(4, 60)},
            x_systems=["SIMRS", "PACS"][: self.rng.randint(1, 2)],
            x_score=round(self.rng.random(), 4),
        )
        self._remember(self.targets, obj["id"])
        return [obj]

    def _remember(self, pool: list[str], value: str) -> None:
        if len(pool) < 5_000:
            pool.append(value)
        else:
            pool[self.rng.randrange(len(pool))] = value

    def objects(self, count: int) -> Any:
        makers = [
            (self.indicator, 30),
            (self.observable, 15),  # two objects each
            (self.relationship, 20),
            (self.malware, 5),
            (self.custom, 15),
        ]
        weights = [weight for _maker, weight in makers]
        written = 0
        while written < count:
            maker = self.rng.choices(makers, weights)[0][0]
            for obj in maker()[: count - written]:
                yield obj
                written += 1
            self.n += 1


def write_bundle(path: Path, count: int) -> None:
    import orjson

    started = time.perf_counter()
    with open(path, "wb") as handle:
        handle.write(b'{"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",')
        handle.write(b' "objects": [\n')
        for index, obj in enumerate(Generator().objects(count)):
            if index:
                handle.write(b",\n")
            handle.write(orjson.dumps(obj))
        handle.write(b"\n]}\n")
    print(
        f"generated {count:,} objects, {path.stat().st_size / 1e6:,.0f} MB "
        f"in {time.perf_counter() - started:.0f} s: {path}"
    )


# --- the import -----------------------------------------------------------------------------------


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def database_cpu_seconds() -> float | None:
    """CPU time of this connection's PostgreSQL backend (a local server only): with other work
    on the machine, objects/s swing with the load, the CPU spent per object much less."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def clear_previous_run(organization: Any) -> None:
    from django.db import connection

    from siaga.intel.models import Indicator
    from siaga.stix.models import StixObject

    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM stix_pendingreference WHERE source_id IN "
            "(SELECT id FROM stix_stixobject WHERE source = %s)",
            [SOURCE],
        )
    StixObject.objects.filter(source=SOURCE)._raw_delete(StixObject.objects.db)
    Indicator.objects.filter(organization=organization)._raw_delete(Indicator.objects.db)


def run_import(path: Path, organization: Any, label: str, derive: bool) -> None:
    from siaga.stix.importer import SharingLabels, import_bundle_file

    samples: list[tuple[int, float]] = []
    args_objects = [OBJECTS[0]]
    next_sample = [0]

    def progress(objects: int, done: int, total: int) -> None:
        if objects >= next_sample[0]:
            samples.append((objects, rss_mb()))
            next_sample[0] += max(10_000, args_objects[0] // 10)

    labels = SharingLabels(organization, "green", "constituents")
    load_before = os.getloadavg()[0]
    database_before = database_cpu_seconds()
    cpu_before = time.process_time()
    started = time.perf_counter()
    result = import_bundle_file(path, labels, source=SOURCE, progress=progress, derive=derive)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_before
    database_after = database_cpu_seconds()
    total = result.added + result.duplicates + result.failed
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{label}: {total:,} objects in {elapsed:.1f} s = {total / elapsed:,.0f} objects/s; "
        f"{result.added:,} added ({result.custom:,} custom), {result.duplicates:,} duplicates, "
        f"{result.failed} refused, {result.pending_references:,} pending references, "
        f"{result.indicators_derived:,} indicators derived; peak RSS {peak:,.0f} MB"
    )
    database = (
        f", database backend {database_after - database_before:.1f} s"
        if database_before is not None and database_after is not None
        else ""
    )
    print(
        f"  CPU: importer {cpu:.1f} s ({cpu / max(total, 1) * 1e6:.0f} µs/object){database}; "
        f"load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after "
        f"({os.cpu_count()} cores)"
    )
    print("  RSS along the way: " + ", ".join(f"{n // 1000}k: {mb:,.0f} MB" for n, mb in samples))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--objects", type=int, default=1_000_000)
    parser.add_argument("--file", type=Path, help="Where the bundle is written (kept for re-runs).")
    parser.add_argument("--no-reimport", action="store_true")
    parser.add_argument(
        "--store-only",
        action="store_true",
        help="Objects only: no indicators derived, no correlation (derive=False).",
    )
    args = parser.parse_args()
    OBJECTS[0] = args.objects
    os.environ.setdefault("SIAGA_DATA_DIR", tempfile.mkdtemp(prefix="siaga-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siaga.settings")
    os.environ["SIAGA_TESTING"] = "true"
    os.environ.setdefault("SIAGA_DEBUG", "false")  # as deployed: no query log kept in memory
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        ensure_postgres_database(url)
    path = args.file or Path(tempfile.gettempdir()) / f"siaga-bench-stix-{args.objects}.json"
    if not path.exists():
        write_bundle(path, args.objects)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from siaga.organizations.models import Organization

    call_command("migrate", verbosity=0)
    organization, _created = Organization.objects.get_or_create(
        name="STIX bench CERT", defaults={"kind": "cert"}
    )
    clear_previous_run(organization)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{connection.vendor}; bundle {path.stat().st_size / 1e6:,.0f} MB; "
        f"RSS before import {rss_mb():,.0f} MB"
    )
    derive = not args.store_only
    run_import(path, organization, "first import", derive)
    if not args.no_reimport:
        run_import(path, organization, "re-import", derive)


if __name__ == "__main__":
    main()
