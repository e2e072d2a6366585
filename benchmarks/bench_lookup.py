"""Ownership lookup speed: IP lookups per second against a registry of realistic size.

Builds an ``OwnershipIndex`` from 500 constituents with about 20 ranges each (IPv4 and IPv6,
nested inside provincial blocks, some shared) and times 1,000,000 lookups of random addresses.
Needs no database: the index is built from records, as ``build_index`` does from the query.

    .venv/bin/python benchmarks/bench_lookup.py --lookups 1000000
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import platform
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def make_records(constituents: int, ranges: int, rng: random.Random) -> list:
    from siaga.constituents.lookup import AssetRecord

    records = []
    for org in range(1, constituents + 1):
        name = f"Constituent {org:04d}"
        province_block = ipaddress.ip_network(f"10.{org % 38}.0.0/16")
        for n in range(ranges):
            if n % 5 == 4:  # every fifth range is IPv6
                prefix = rng.randint(40, 64)
                base = int(ipaddress.IPv6Address("2001:db8::")) + (rng.getrandbits(32) << 64)
                value = ipaddress.IPv6Network((base, prefix), strict=False)
            elif n % 5 == 3:  # nested in a provincial block several constituents share
                start = int(province_block.network_address) + rng.getrandbits(16)
                value = ipaddress.IPv4Network((start, rng.randint(20, 28)), strict=False)
            else:
                prefix = rng.randint(16, 28)
                value = ipaddress.IPv4Network((rng.getrandbits(32), prefix), strict=False)
            records.append(AssetRecord(org, name, "ip_range", value.compressed))
    return records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--constituents", type=int, default=500)
    parser.add_argument("--ranges", type=int, default=20)
    parser.add_argument("--lookups", type=int, default=1_000_000)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siaga.settings")
    import django

    django.setup()
    from siaga.constituents.lookup import OwnershipIndex

    rng = random.Random(20260101)
    records = make_records(args.constituents, args.ranges, rng)
    started = time.perf_counter()
    index = OwnershipIndex(records)
    built = time.perf_counter() - started
    # Addresses as objects, as the feed pipeline passes them after parsing; a quarter inside 10/8.
    addresses = [
        ipaddress.IPv4Address(
            rng.getrandbits(24) | (10 << 24) if i % 4 == 0 else rng.getrandbits(32)
        )
        for i in range(args.lookups)
    ]
    hits = 0
    started = time.perf_counter()
    for address in addresses:
        if index.owners_of_ip(address):
            hits += 1
    elapsed = time.perf_counter() - started
    print(f"python {platform.python_version()} on {platform.machine()}")
    print(
        f"{len(records)} ranges, {index.interval_count()} intervals, built in {built * 1000:.0f} ms"
    )
    print(
        f"{args.lookups} lookups in {elapsed:.2f} s: {args.lookups / elapsed:,.0f} lookups/s ({hits} owned)"
    )


if __name__ == "__main__":
    main()
