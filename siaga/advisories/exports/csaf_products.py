"""The product tree of a CSAF 2.0 export (``siaga.advisories.exports.csaf``): vendor →
product_name → product_version / product_version_range branches, with product ids assigned in
order (CSAFPID-0001, …) and the ids that are affected, fixed, and affected-with-a-fix collected for
the vulnerabilities' product_status and remediations.

Versions as authors write them become branches: a single plain version ("8.00.01") is a
``product_version``; everything else (``vers:`` strings, "<= 2.6A", ">= 1.0 | < 1.5", free text) a
``product_version_range`` (CSAF test 6.1.31 forbids range words in product_version names), with
"X and below/earlier/prior" written as "<= X" and "X and above/later" as ">= X"; empty or "all
versions" is ``vers:all/*``; "1.0, 1.1" (plain versions only) is one branch per version. A fixed
version that is not plain is written as a range (">= X"). CPE and purl identifiers that do not fit
the CSAF schema (or test 6.1.13) are left out rather than making the document invalid.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

# The CPE pattern of the CSAF 2.0 schema (product_identification_helper.cpe).
_CPE = re.compile(
    r"^(cpe:2\.3:[aho\*\-](:(((\?*|\*?)([a-zA-Z0-9\-\._]|(\\[\\\*\?!\"#\$%&'\(\)\+,/:;<=>@\[\]\^`\{\|\}~]))+(\?*|\*?))|[\*\-])){5}"
    r"(:(([a-zA-Z]{2,3}(-([a-zA-Z]{2}|[0-9]{3}))?)|[\*\-]))"
    r"(:(((\?*|\*?)([a-zA-Z0-9\-\._]|(\\[\\\*\?!\"#\$%&'\(\)\+,/:;<=>@\[\]\^`\{\|\}~]))+(\?*|\*?))|[\*\-])){4})"
    r"|([c][pP][eE]:/[AHOaho]?(:[A-Za-z0-9\._\-~%]*){0,6})$"
)
_PURL = re.compile(r"^pkg:[A-Za-z\.\-\+][A-Za-z0-9\.\-\+]*/.+")
_PURL_TYPE = re.compile(r"^pkg:[a-zA-Z][a-zA-Z0-9+.\-]*/")
# A single plain version; anything else is written as a range (CSAF test 6.1.31).
_PLAIN_VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._+~:-]*$")
_WILDCARD = re.compile(r"\.[xX*](?:\b|$)")
_BELOW = re.compile(
    r"^(.+?)\s+(?:and|or|&)\s+(?:below|earlier|lower|older|prior(?:\s+versions)?)$", re.I
)
_ABOVE = re.compile(r"^(.+?)\s+(?:and|or|&)\s+(?:above|later|higher|newer)$", re.I)
_ALL = frozenset({"", "*", "all", "all versions", "any", "-", "vers:all/*"})


def is_plain_version(value: str) -> bool:
    value = value.strip()
    return (
        bool(_PLAIN_VERSION.match(value))
        and any(c.isdigit() for c in value)
        and not _WILDCARD.search(value)
    )


def version_range(value: str) -> str:
    """A product_version_range name for a constraint as written."""
    value = " ".join(value.split())
    if value.lower() in _ALL:
        return "vers:all/*"
    if match := _BELOW.match(value):
        return f"<= {match.group(1)}"
    if match := _ABOVE.match(value):
        return f">= {match.group(1)}"
    return value


def valid_purl(value: str) -> bool:
    """The schema's pattern, and a type and a name as CSAF test 6.1.13 reads them."""
    kind = _PURL_TYPE.match(value)
    if kind is None or not _PURL.match(value) or any(c.isspace() for c in value):
        return False
    rest = value[kind.end() :]
    rest = rest.split("?", 1)[0].split("#", 1)[0].split("@", 1)[0]
    return bool(rest.rstrip("/").rsplit("/", 1)[-1])


def valid_cpe(value: str) -> bool:
    return bool(_CPE.match(value))


def product_label(product: dict[str, Any]) -> str:
    """ "Vendor Product versions", for notes."""
    return " ".join(
        part for part in (product["vendor"], product["product"], product["versions"]) if part
    )


class ProductTree:
    """Builds the ``product_tree`` of the given products (snapshot product dicts)."""

    def __init__(self) -> None:
        self.affected: list[str] = []
        self.fixed: list[str] = []
        # Product ids of affected products that have a fixed version (for the vendor_fix).
        self.affected_with_fix: list[str] = []
        self.fixes: list[tuple[str, str]] = []  # (product label, fixed version)
        self._ids: dict[tuple[str, str, str, str], str] = {}

    def _product_id(self, key: tuple[str, str, str, str]) -> tuple[str, bool]:
        if key in self._ids:
            return self._ids[key], False
        product_id = f"CSAFPID-{len(self._ids) + 1:04d}"
        self._ids[key] = product_id
        return product_id, True

    def build(self, products: list[dict[str, Any]]) -> dict[str, Any]:
        vendors: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for product in products:
            vendor = product["vendor"].strip() or str(_("Unknown vendor"))
            name = product["product"].strip() or str(_("Unknown product"))
            branches = vendors.setdefault(vendor, {}).setdefault(name, [])
            ids = self.affected_branches(product, vendor, name, branches)
            fixed_in = (product.get("fixed_in") or "").strip()
            if fixed_in:
                self.fixed_branch(fixed_in, vendor, name, branches)
                self.affected_with_fix.extend(ids)
                self.fixes.append((f"{vendor} {name}", fixed_in))
        # An id both affected and fixed would contradict itself (CSAF test 6.1.6): affected wins.
        self.fixed = [pid for pid in dict.fromkeys(self.fixed) if pid not in set(self.affected)]
        self.affected = list(dict.fromkeys(self.affected))
        self.affected_with_fix = list(dict.fromkeys(self.affected_with_fix))
        return {
            "branches": [
                {
                    "category": "vendor",
                    "name": vendor,
                    "branches": [
                        {"category": "product_name", "name": name, "branches": branches}
                        for name, branches in products.items()
                    ],
                }
                for vendor, products in vendors.items()
            ]
        }

    def affected_branches(
        self, product: dict[str, Any], vendor: str, name: str, branches: list[dict[str, Any]]
    ) -> list[str]:
        versions = " ".join((product.get("versions") or "").split())
        parts = [versions]
        if "," in versions and all(is_plain_version(p) for p in versions.split(",")):
            parts = [p.strip() for p in versions.split(",")]
        ids: list[str] = []
        for part in parts:
            if is_plain_version(part):
                category, branch_name = "product_version", part
            else:
                category, branch_name = "product_version_range", version_range(part)
            product_id, new = self._product_id((vendor, name, category, branch_name))
            ids.append(product_id)
            self.affected.append(product_id)
            if not new:
                continue
            full: dict[str, Any] = {
                "name": " ".join((vendor, name, branch_name)),
                "product_id": product_id,
            }
            helper = self.identification_helper(product)
            if helper:
                full["product_identification_helper"] = helper
            branches.append({"category": category, "name": branch_name, "product": full})
        return ids

    def fixed_branch(
        self, fixed_in: str, vendor: str, name: str, branches: list[dict[str, Any]]
    ) -> None:
        fixed_in = " ".join(fixed_in.split())
        if is_plain_version(fixed_in):
            category, branch_name = "product_version", fixed_in
        else:
            category, branch_name = "product_version_range", version_range(fixed_in)
            if category == "product_version_range" and not branch_name.startswith(
                ("<", ">", "vers:")
            ):
                branch_name = f">= {branch_name}"
        product_id, new = self._product_id((vendor, name, category, branch_name))
        self.fixed.append(product_id)
        if new:
            branches.append(
                {
                    "category": category,
                    "name": branch_name,
                    "product": {
                        "name": " ".join((vendor, name, branch_name)),
                        "product_id": product_id,
                    },
                }
            )

    def identification_helper(self, product: dict[str, Any]) -> dict[str, str]:
        helper: dict[str, str] = {}
        cpe = (product.get("cpe") or "").strip()
        if cpe and valid_cpe(cpe):
            helper["cpe"] = cpe
        purl = (product.get("purl") or "").strip()
        if purl and valid_purl(purl):
            helper["purl"] = purl
        return helper
