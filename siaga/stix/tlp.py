"""TLP markings of STIX objects: TLP 1.0 and 2.0 marking definitions to Siaga's TLP 2.0 labels.

An object's own marking (``object_marking_refs``) wins over the labels it is imported with when it
is more restrictive; its distribution is then narrowed to what that TLP allows. A TAXII collection
(``strict``) refuses such an object instead, since its sharing is fixed by the collection.
"""

from __future__ import annotations

from typing import Any

from siaga.sharing.choices import (
    ALLOWED_DISTRIBUTIONS,
    TLP1_MARKING_IDS,
    TLP2_MARKING_IDS,
    TLP_ORDER,
    Distribution,
)

# Every TLP marking-definition id (1.0 and 2.0) to its TLP 2.0 level.
TLP_OF_MARKING: dict[str, str] = {
    **TLP1_MARKING_IDS,
    **{marking: level for level, marking in TLP2_MARKING_IDS.items()},
}


def marked_tlp(obj: dict[str, Any]) -> str | None:
    """The most restrictive TLP among the object's markings, or None when it has none."""
    refs = obj.get("object_marking_refs")
    if not refs or not isinstance(refs, list):
        return None
    levels = [TLP_OF_MARKING[ref] for ref in refs if isinstance(ref, str) and ref in TLP_OF_MARKING]
    if not levels:
        return None
    return max(levels, key=TLP_ORDER.index)


def is_more_restrictive(level: str, than: str) -> bool:
    return TLP_ORDER.index(level) > TLP_ORDER.index(than)


def narrowed_sharing(
    tlp: str, distribution: str, sharing_group: Any | None
) -> tuple[str, Any | None]:
    """The distribution (and group) an object may keep at ``tlp``: the organization otherwise."""
    if distribution in ALLOWED_DISTRIBUTIONS[tlp]:
        return distribution, sharing_group
    return Distribution.ORGANIZATION, None
