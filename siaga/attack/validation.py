"""Checking ATT&CK technique ids that incidents and indicators are tagged with."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from siaga.attack.models import Technique

MAX_TECHNIQUES = 100
# Lenient on entry: "t1566.001" and " T1566.001 " are the same id.
WRITTEN_ID = re.compile(r"^T\d{4}(?:\.\d{3})?$")


def parse_technique_ids(text: str) -> list[str]:
    """Split "T1566, T1566.001 T0803" (commas, spaces or semicolons) into ids, unchecked."""
    return [part for part in re.split(r"[\s,;]+", text or "") if part]


def validate_technique_ids(ids: Iterable[Any]) -> list[str]:
    """The ids upper-cased, without repeats, in the order given; every one must be a loaded
    technique. Raises ValidationError naming each unknown or malformed id."""
    if isinstance(ids, str | bytes) or not isinstance(ids, Iterable):
        raise ValidationError(_("Give a list of ATT&CK technique ids."), code="invalid")
    wanted: list[str] = []
    for value in ids:
        if not isinstance(value, str):
            raise ValidationError(_("Technique ids are texts such as T1566.001."), code="invalid")
        normalized = value.strip().upper()
        if normalized not in wanted:
            wanted.append(normalized)
    if len(wanted) > MAX_TECHNIQUES:
        raise ValidationError(
            _("At most %(limit)d techniques.") % {"limit": MAX_TECHNIQUES}, code="too_many"
        )
    malformed = [value for value in wanted if not WRITTEN_ID.match(value)]
    if malformed:
        raise ValidationError(
            ngettext(
                "Not an ATT&CK technique id: %(ids)s (write T1566 or T1566.001).",
                "Not ATT&CK technique ids: %(ids)s (write T1566 or T1566.001).",
                len(malformed),
            )
            % {"ids": ", ".join(value[:20] for value in malformed)},
            code="malformed",
        )
    known = set(Technique.objects.filter(attack_id__in=wanted).values_list("attack_id", flat=True))
    unknown = [value for value in wanted if value not in known]
    if unknown:
        raise ValidationError(
            ngettext(
                "Unknown ATT&CK technique: %(ids)s.",
                "Unknown ATT&CK techniques: %(ids)s.",
                len(unknown),
            )
            % {"ids": ", ".join(unknown)},
            code="unknown",
        )
    return wanted


def check_technique_ids(ids: Any) -> None:
    """The same check as a model field validator (it cannot return the normalized list)."""
    validate_technique_ids(ids)
