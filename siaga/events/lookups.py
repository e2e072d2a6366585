"""``source_ip__inside="10.0.0.0/8"``: addresses inside a network, on either database.

On PostgreSQL a ``GenericIPAddressField`` is an ``inet`` column, and the lookup compiles to
``column <<= %s::inet``. The planner turns that into a range condition on the column's B-tree index
(its network-subset support), so a /8 is answered from the index, whatever its size.

On SQLite (the embedded, demo-scale installation) the column is text and has no notion of a network:
the lookup lists the network's addresses, as the column stores them, in ``IN`` lists of
``IN_BATCH`` addresses each, joined with ``OR``. That is only sensible for small networks, so it
refuses networks of more than ``SQLITE_MAX_ADDRESSES`` (a /16 of IPv4, a /112 of IPv6); forms and
the API check ``fits_this_database`` first and answer with a clear error instead.
The addresses are written into the SQL as literals, not parameters, so the statement does not run
into SQLite's limit on parameters (32,766 in its default build); they are safe to write inline,
being the text of ``ipaddress`` objects (hexadecimal digits, dots and colons, checked below).

Registered on ``GenericIPAddressField`` when this module is imported (``siaga.events.filters`` does).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import GenericIPAddressField, Lookup
from django.db.models.sql.compiler import SQLCompiler

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

SQLITE_MAX_ADDRESSES = 65_536
IN_BATCH = 500
# IPv4 addresses carried in IPv6 (::ffff:a.b.c.d): Django stores them in that dotted form.
IPV4_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")
_ADDRESS_TEXT = re.compile(r"^[0-9a-f.:]+$")


def as_network(value: Any) -> IPNetwork:
    """The network a lookup value names (host bits set are cleared: ``10.1.2.3/8`` is 10.0.0.0/8).

    Raises ``ValueError`` for anything that is not a network."""
    if isinstance(value, ipaddress.IPv4Network | ipaddress.IPv6Network):
        return value
    return ipaddress.ip_network(str(value), strict=False)


def fits_this_database(network: IPNetwork, vendor: str) -> bool:
    """Whether ``inside`` can answer for this network on this database (see the module docstring)."""
    return vendor == "postgresql" or network.num_addresses <= SQLITE_MAX_ADDRESSES


def stored_addresses(network: IPNetwork) -> Iterator[str]:
    """Every address of the network, as ``GenericIPAddressField`` writes it to a text column."""
    if isinstance(network, ipaddress.IPv6Network) and network.subnet_of(IPV4_MAPPED):
        for address in network:
            mapped = address.ipv4_mapped
            yield f"::ffff:{mapped}"
        return
    for member in network:
        yield str(member)


@GenericIPAddressField.register_lookup
class Inside(Lookup):
    """The address lies inside the network given (``<<=`` of PostgreSQL: the network itself too)."""

    lookup_name = "inside"
    prepare_rhs = False  # the field would try to read the network as one address

    def get_prep_lookup(self) -> Any:
        return as_network(self.rhs)

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} <<= %s::inet", (*lhs_params, str(self.rhs))

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, tuple[Any, ...]]:
        network = self.rhs
        if not fits_this_database(network, connection.vendor):
            raise ValueError(
                f"{network} has {network.num_addresses} addresses; this database can search "
                f"networks of at most {SQLITE_MAX_ADDRESSES}"
            )
        lhs, lhs_params = self.process_lhs(compiler, connection)
        lists = [f"{lhs} IN ({', '.join(batch)})" for batch in _quoted_batches(network)]
        return f"({' OR '.join(lists)})", tuple(lhs_params) * len(lists)


def _quoted_batches(network: IPNetwork) -> Iterator[list[str]]:
    batch: list[str] = []
    for text in stored_addresses(network):
        if not _ADDRESS_TEXT.match(text):  # never true for ipaddress's text; guards the literal
            raise ValueError(f"unexpected address text {text!r}")
        batch.append(f"'{text}'")
        if len(batch) == IN_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
