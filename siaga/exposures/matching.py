"""Which inventory items run a product that a source names: the matcher behind findings and
advisory distribution.

A product (``vulns.AffectedProduct``, ``advisories.AdvisoryProduct``, or anything with
``vendor``, ``product``, ``versions``, ``cpe`` and ``purl``) matches an inventory item when

(a) both carry CPE 2.3 names whose vendor and product agree (the product's ``*`` and ``?``
    wildcards honoured), or
(b) both carry package URLs with the same type, namespace and name, or
(c) their vendor keys and product keys agree (``siaga.vulns.names``; an item without vendor or
    product falls back to its CPE's),

and then the item's version is read against the product's constraint (``siaga.exposures.versions``):
inside → certainty "version"; the constraint or the version cannot be read, or the item states no
version against a narrower constraint → certainty "unknown"; outside → no match.

The items are indexed once (``InventoryIndex``), grouped by what matching reads (vendor, product,
version, CPE, purl): half a million items hold far fewer distinct groups, and each product looks up
its candidate groups by key instead of walking every item. The index is built from plain tuples so
that the matching run (``actions.do_match_all``) can feed it from ``values_list`` without making a
model instance per item.
"""

from __future__ import annotations

import fnmatch
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

from django.db.models import Q, QuerySet

from siaga.constituents.cpe import CpeError, parse_cpe23
from siaga.constituents.purl import PurlError, parse_purl
from siaga.exposures.versions import VersionSpec, constraint_for, parse_constraint
from siaga.vulns.names import name_key, vendor_key


class CERTAINTY:
    VERSION = "version"
    UNKNOWN = "unknown"


class ProductLike(Protocol):
    vendor: str
    product: str
    versions: str
    cpe: str
    purl: str


@dataclass(frozen=True)
class Match:
    """One product found on one inventory item, and how sure that is."""

    product: Any
    item: Any
    certainty: str

    @property
    def version_checked(self) -> bool:
        return self.certainty == CERTAINTY.VERSION


# --- reading names ------------------------------------------------------------------------------


def _unescape_cpe(value: str) -> str:
    return value.replace("\\", "")


@lru_cache(maxsize=65536)
def cpe_parts(cpe: str) -> tuple[str, str, str] | None:
    """(vendor, product, version) of a CPE 2.3 name, lower case, escapes kept; ``None`` if invalid."""
    if not cpe:
        return None
    try:
        components = parse_cpe23(cpe.strip())
    except CpeError:
        return None
    return components["vendor"].lower(), components["product"].lower(), components["version"]


@lru_cache(maxsize=65536)
def purl_parts(purl: str) -> tuple[tuple[str, str, str], str] | None:
    """((type, namespace, name), version) of a package URL, compared case-insensitively."""
    if not purl:
        return None
    try:
        parsed = parse_purl(purl.strip())
    except PurlError:
        return None
    return (parsed.type.lower(), parsed.namespace.lower(), parsed.name.lower()), parsed.version


@lru_cache(maxsize=262144)
def name_keys(vendor: str, product: str) -> tuple[str, str]:
    return vendor_key(vendor), name_key(product)


def _cpe_name(value: str) -> str:
    """A CPE component as a name: "internet_explorer" → "internet explorer"."""
    return _unescape_cpe(value).replace("_", " ")


def _has_wildcard(value: str) -> bool:
    unescaped = value.replace("\\*", "").replace("\\?", "")
    return "*" in unescaped or "?" in unescaped


def _cpe_pattern_matches(pattern: str, value: str) -> bool:
    """CPE 2.3 wildcards: ``*`` any run, ``?`` one character (a lone ``*`` is ANY)."""
    if pattern == "*":
        return True
    translated = pattern.replace("[", "[[]")
    return fnmatch.fnmatchcase(value, translated)


# --- the item side ------------------------------------------------------------------------------


@dataclass
class ItemGroup:
    """Inventory items that name the same product the same way (vendor, product, CPE, purl),
    sub-grouped by version: ``versions`` maps a version to its members, each member a row that
    starts with (item id, organization id). ``default_version`` is what an item without a
    version of its own runs: its CPE's or purl's version, if any."""

    default_version: str
    versions: dict[str, list[Sequence[Any]]] = field(default_factory=dict)


ItemRow = tuple[
    int, int, str, str, str, str, str
]  # id, organization id, vendor, product, version, cpe, purl


class InventoryIndex:
    """Inventory items indexed by CPE (vendor, product), purl (type, namespace, name) and name keys.

    Built in one pass over the rows; the work per row is a dict lookup and an append (the rows
    themselves are kept as members), the work per distinct product naming is done once."""

    def __init__(self, rows: Iterable[ItemRow]) -> None:
        groups: dict[tuple[str, str, str, str], ItemGroup] = {}
        self.by_cpe: dict[tuple[str, str], list[ItemGroup]] = defaultdict(list)
        self.by_purl: dict[tuple[str, str, str], list[ItemGroup]] = defaultdict(list)
        self.by_names: dict[tuple[str, str], list[ItemGroup]] = defaultdict(list)
        # Items whose own CPE has wildcards in vendor or product (rare): compared one by one.
        self.wildcard_cpe: list[tuple[str, str, ItemGroup]] = []
        count = 0
        for row in rows:
            count += 1
            _id, _org, vendor, product, version, cpe, purl = row
            signature = (vendor, product, cpe, purl)
            group = groups.get(signature)
            if group is None:
                group = groups[signature] = self._add_group(vendor, product, cpe, purl)
            members = group.versions.get(version)
            if members is None:
                group.versions[version] = [row]
            else:
                members.append(row)
        self.item_count = count
        self.group_count = len(groups)

    def _add_group(self, vendor: str, product: str, cpe: str, purl: str) -> ItemGroup:
        cpe_read = cpe_parts(cpe)
        purl_read = purl_parts(purl)
        default_version = ""
        if cpe_read and cpe_read[2] not in {"*", "-"}:
            default_version = _unescape_cpe(cpe_read[2])
        elif purl_read and purl_read[1]:
            default_version = purl_read[1]
        group = ItemGroup(default_version=default_version)
        if cpe_read:
            cpe_vendor, cpe_product, _version = cpe_read
            if _has_wildcard(cpe_vendor) or _has_wildcard(cpe_product):
                self.wildcard_cpe.append((cpe_vendor, cpe_product, group))
            else:
                self.by_cpe[(cpe_vendor, cpe_product)].append(group)
        if purl_read:
            self.by_purl[purl_read[0]].append(group)
        keys = name_keys(vendor, product)
        if cpe_read:
            cpe_keys = name_keys(_cpe_name(cpe_read[0]), _cpe_name(cpe_read[1]))
            keys = (keys[0] or cpe_keys[0], keys[1] or cpe_keys[1])
        if keys[0] and keys[1]:
            self.by_names[keys].append(group)
        return group

    def candidates(self, product: ProductLike) -> tuple[list[ItemGroup], str, str]:
        """Groups the product names (each once), its constraint text and its purl type."""
        found: dict[int, ItemGroup] = {}
        cpe_read = cpe_parts(getattr(product, "cpe", "") or "")
        purl_read = purl_parts(getattr(product, "purl", "") or "")
        if cpe_read:
            cpe_vendor, cpe_product, _version = cpe_read
            if _has_wildcard(cpe_vendor) or _has_wildcard(cpe_product):
                for (vendor, name), groups in self.by_cpe.items():
                    if _cpe_pattern_matches(cpe_vendor, vendor) and _cpe_pattern_matches(
                        cpe_product, name
                    ):
                        found.update((id(g), g) for g in groups)
            else:
                for group in self.by_cpe.get((cpe_vendor, cpe_product), ()):
                    found[id(group)] = group
            for item_vendor, item_product, group in self.wildcard_cpe:
                if _cpe_pattern_matches(item_vendor, cpe_vendor) and _cpe_pattern_matches(
                    item_product, cpe_product
                ):
                    found[id(group)] = group
        if purl_read:
            for group in self.by_purl.get(purl_read[0], ()):
                found[id(group)] = group
        keys = product_keys(product, cpe_read)
        if keys[0] and keys[1]:
            for group in self.by_names.get(keys, ()):
                found[id(group)] = group
        constraint = constraint_for(
            getattr(product, "versions", "") or "",
            cpe_version=_unescape_cpe(cpe_read[2]) if cpe_read else "",
            purl_version=purl_read[1] if purl_read else "",
            fixed_in=getattr(product, "fixed_in", "") or "",
        )
        return list(found.values()), constraint, purl_read[0][0] if purl_read else ""


def product_keys(product: Any, cpe_read: tuple[str, str, str] | None = None) -> tuple[str, str]:
    """A product's (vendor key, product key): stored keys when present, else computed, else its CPE's."""
    vendor = getattr(product, "vendor_key", "") or ""
    name = getattr(product, "product_key", "") or ""
    if not vendor or not name:
        vendor, name = name_keys(
            getattr(product, "vendor", "") or "", getattr(product, "product", "") or ""
        )
    if (not vendor or not name) and cpe_read:
        cpe_keys = name_keys(_cpe_name(cpe_read[0]), _cpe_name(cpe_read[1]))
        vendor, name = vendor or cpe_keys[0], name or cpe_keys[1]
    return vendor, name


def certainty_for(spec: VersionSpec, version: str) -> str | None:
    """ "version", "unknown", or ``None`` when the version is outside the constraint."""
    if not version:
        return CERTAINTY.VERSION if spec.is_all else CERTAINTY.UNKNOWN
    inside = spec.contains(version)
    if inside is None:
        return CERTAINTY.UNKNOWN
    return CERTAINTY.VERSION if inside else None


def match_groups(
    index: InventoryIndex, product: ProductLike
) -> list[tuple[list[Sequence[Any]], str]]:
    """The members (rows starting with item id, organization id) of the items that run
    ``product``, by version, each list with its certainty."""
    groups, constraint, _purl_type = index.candidates(product)
    if not groups:
        return []
    spec = parse_constraint(constraint)
    matched: list[tuple[list[Sequence[Any]], str]] = []
    for group in groups:
        for version, members in group.versions.items():
            certainty = certainty_for(spec, version.strip() or group.default_version)
            if certainty is not None:
                matched.append((members, certainty))
    return matched


# --- the public functions -----------------------------------------------------------------------


def active_inventory() -> Any:
    """Inventory items of active constituents (the default population for matching)."""
    from siaga.constituents.models import InventoryItem
    from siaga.organizations.choices import OrganizationKind

    return InventoryItem.objects.filter(
        organization__is_active=True, organization__kind=OrganizationKind.CONSTITUENT
    )


def _item_row(item: Any) -> ItemRow:
    return (
        item.pk,
        item.organization_id,
        item.vendor or "",
        item.product or "",
        item.version or "",
        item.cpe or "",
        item.purl or "",
    )


_WORD = re.compile(r"[0-9a-z]{2,}")


def _longest_word(text: str) -> str:
    words = _WORD.findall(name_key(text.replace("*", " ").replace("?", " ")))
    return max(words, key=len) if words else ""


def candidate_q(products: Sequence[Any]) -> Q | None:
    """A coarse SQL filter that every item matching one of ``products`` passes (so that a page
    or an advisory matches a few products without reading every inventory): the longest word of
    the product's name (or of its CPE product) in the item's product or CPE, or its purl name in
    the item's purl. ``None`` when some product gives nothing to filter on.

    A word is a run of letters and digits of the name's key, which the raw name contains as
    written unless it has accents the key drops ("Acéme" → "aceme"); such items are found by
    the full run (``do_match_all``) instead."""
    q = Q()
    for product in products:
        cpe_read = cpe_parts(getattr(product, "cpe", "") or "")
        purl_read = purl_parts(getattr(product, "purl", "") or "")
        words = {_longest_word(product_keys(product, cpe_read)[1])}
        if cpe_read:
            words.add(_longest_word(_cpe_name(cpe_read[1])))
        words.discard("")
        if not words and not purl_read:
            return None
        for word in words:
            q |= Q(product__icontains=word) | Q(cpe__icontains=word)
        if purl_read:
            q |= Q(purl__icontains=purl_read[0][2])
    return q


def match_products(
    products: Iterable[ProductLike], items: Iterable[Any] | None = None
) -> list[Match]:
    """Every (product, item) pair that matches, with its certainty; one ``Match`` per pair.

    ``items`` defaults to the inventory items of active constituents; a queryset is narrowed in
    SQL first (``candidate_q``), a list is taken as it is."""
    products = list(products)
    if not products:
        return []
    source = items if items is not None else active_inventory()
    if isinstance(source, QuerySet):
        narrowed = candidate_q(products)
        if narrowed is not None:
            source = source.filter(narrowed)
    item_list: Sequence[Any] = list(source)
    by_pk = {item.pk: item for item in item_list}
    index = InventoryIndex(_item_row(item) for item in item_list)
    matches: list[Match] = []
    for product in products:
        for members, certainty in match_groups(index, product):
            for member in members:
                matches.append(Match(product=product, item=by_pk[member[0]], certainty=certainty))
    return matches


def organizations_running(
    products: Iterable[ProductLike], items: Iterable[Any] | None = None
) -> dict[int, list[Any]]:
    """Organization id → its inventory items that run any of ``products`` (each item once)."""
    result: dict[int, list[Any]] = {}
    seen: set[int] = set()
    for match in match_products(products, items):
        if match.item.pk in seen:
            continue
        seen.add(match.item.pk)
        result.setdefault(match.item.organization_id, []).append(match.item)
    return result
