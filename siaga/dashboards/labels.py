"""Labels and small conversions shared by the figures and their direct queries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils.translation import gettext

from siaga.incidents.taxonomy import RsitClass, RsitType

TOP = 10
# ``Choices.values`` builds a new list on every access: a year's rows would build thousands.
CLASS_VALUES = frozenset(RsitClass.values)
TYPE_VALUES = frozenset(RsitType.values)


def unknown() -> str:
    return gettext("Unknown")


def class_label(value: str) -> str:
    return str(RsitClass(value).label) if value in CLASS_VALUES else value or unknown()


def type_label(value: str) -> str:
    return str(RsitType(value).label) if value in TYPE_VALUES else value or unknown()


def ranked(counts: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(((k, v) for k, v in counts.items() if v), key=lambda kv: (-kv[1], kv[0]))


def seconds(value: timedelta | float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, timedelta):
        return round(value.total_seconds(), 1)
    return round(float(value) / 1_000_000, 1)  # a backend that averages microseconds


def province_labels() -> dict[str, Any]:
    from siaga.constituents.choices import Province

    return dict(Province.choices)


def constituent_kind_labels() -> dict[str, Any]:
    from siaga.organizations.choices import ConstituentType

    return dict(ConstituentType.choices)
