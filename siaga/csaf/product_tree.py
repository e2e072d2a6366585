"""A CSAF 2.0 ``product_tree`` flattened into one ``Product`` per ``product_id``.

Pure functions over parsed JSON, no database: the importer (``siaga.vulns.importers.csaf``) and
the pages read the tree through here. Products come from three places (CSAF 2.0 section 3.1.2):

- ``branches``: a tree whose nodes carry a ``category`` (vendor, product_family, product_name,
  product_version, product_version_range, architecture, ...) and a ``name``; a leaf holds a
  ``product`` (a full product name). Walking down from the root, the vendor node names the vendor,
  the product_name node (else the innermost product_family) the product, and a product_version or
  product_version_range node the version text (``1.4.0``, ``<=1.4.0``, ``vers:generic/>=1|<2``).
- ``full_product_names``: products listed flat; vendor and product are unknown (the name only).
- ``relationships``: "component X installed on (default_component_of, ...) platform Y" make a
  new product id; it keeps the *component's* vendor, product and versions, since that is what a
  vulnerability affects, and its own full name ("X installed on Y").

Every input is treated as untrusted: wrong types, missing keys, deep or cyclic references never
raise; what cannot be read is left out. A ``product_id`` defined twice keeps its first definition
(mandatory test 6.1.2 reports the duplicate).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

# Branches deeper than this are not walked (the schema sets no bound; real trees are < 10 deep).
MAX_DEPTH = 64
# Relationships that build on other relationships are resolved in at most this many passes.
MAX_RELATIONSHIP_PASSES = 8

PRODUCT_CATEGORIES = ("product_name", "product_family")
VERSION_CATEGORIES = ("product_version", "product_version_range")


@dataclass(frozen=True)
class Product:
    """One product of the tree: what an advisory's ``product_status`` lists refer to."""

    product_id: str
    name: str
    vendor: str = ""
    product: str = ""
    versions: str = ""
    cpe: str = ""
    purl: str = ""
    # branches, full_product_names or relationships
    origin: str = "branches"


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _helper(full_name: dict[str, Any]) -> tuple[str, str]:
    helper = full_name.get("product_identification_helper")
    if not isinstance(helper, dict):
        return "", ""
    return _text(helper.get("cpe")), _text(helper.get("purl"))


def _full_product(
    full_name: Any, origin: str, vendor: str = "", product: str = "", versions: str = ""
) -> Product | None:
    if not isinstance(full_name, dict):
        return None
    product_id = _text(full_name.get("product_id"))
    if not product_id:
        return None
    name = _text(full_name.get("name"))
    cpe, purl = _helper(full_name)
    return Product(product_id, name, vendor, product, versions, cpe, purl, origin)


def _walk(branches: Any) -> Iterator[Product]:
    """Depth-first over the branches, carrying (vendor, family, product, versions) down."""
    stack: list[tuple[Any, int, str, str, str, str]] = [
        (branch, 1, "", "", "", "") for branch in reversed(_list(branches))
    ]
    while stack:
        branch, depth, vendor, family, product, versions = stack.pop()
        if not isinstance(branch, dict) or depth > MAX_DEPTH:
            continue
        category, name = _text(branch.get("category")), _text(branch.get("name"))
        if category == "vendor" and name:
            vendor = name
        elif category == "product_family" and name:
            family = name
        elif category == "product_name" and name:
            product = name
        elif category in VERSION_CATEGORIES and name:
            versions = name
        found = _full_product(
            branch.get("product"), "branches", vendor, product or family, versions
        )
        if found is not None:
            yield found
        for child in reversed(_list(branch.get("branches"))):
            stack.append((child, depth + 1, vendor, family, product, versions))


def flatten_product_tree(tree: Any) -> dict[str, Product]:
    """Every product the tree defines, by product id, in the tree's order."""
    products: dict[str, Product] = {}
    if not isinstance(tree, dict):
        return products
    for product in _walk(tree.get("branches")):
        products.setdefault(product.product_id, product)
    for full_name in _list(tree.get("full_product_names")):
        listed = _full_product(full_name, "full_product_names")
        if listed is not None:
            products.setdefault(listed.product_id, replace(listed, product=listed.name))
    pending = [item for item in _list(tree.get("relationships")) if isinstance(item, dict)]
    for _pass in range(MAX_RELATIONSHIP_PASSES):
        waiting = []
        for relationship in pending:
            component = products.get(_text(relationship.get("product_reference")))
            if component is None:
                waiting.append(relationship)
                continue
            related = _full_product(
                relationship.get("full_product_name"),
                "relationships",
                component.vendor,
                component.product,
                component.versions,
            )
            if related is None:
                continue
            if not related.cpe and not related.purl:
                related = replace(related, cpe=component.cpe, purl=component.purl)
            products.setdefault(related.product_id, related)
        if len(waiting) == len(pending):
            break
        pending = waiting
    return products


def product_groups(tree: Any) -> dict[str, list[str]]:
    """``product_groups``: group id → the product ids it stands for."""
    groups: dict[str, list[str]] = {}
    if not isinstance(tree, dict):
        return groups
    for group in _list(tree.get("product_groups")):
        if not isinstance(group, dict):
            continue
        group_id = _text(group.get("group_id"))
        if group_id:
            ids = [_text(item) for item in _list(group.get("product_ids"))]
            groups.setdefault(group_id, [item for item in ids if item])
    return groups


def product_ids(value: Any) -> list[str]:
    """A list of product ids as the document holds it (strings only, order kept, no repeats)."""
    seen: dict[str, None] = {}
    for item in _list(value):
        text = _text(item)
        if text:
            seen.setdefault(text, None)
    return list(seen)


def expand(ids: Any, group_ids: Any, groups: dict[str, list[str]]) -> list[str]:
    """The product ids of a remediation, threat or score: its ``product_ids`` and the members of
    its ``group_ids``."""
    found = product_ids(ids)
    for group_id in product_ids(group_ids):
        found.extend(item for item in groups.get(group_id, []) if item not in found)
    return found
