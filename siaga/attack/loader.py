"""Load ATT&CK techniques from a MITRE ATT&CK STIX bundle (enterprise, ICS or mobile).

The bundle is read as a stream (``ijson`` over ``objects.item``): ATT&CK's enterprise bundle is
tens of megabytes, of which only the ``attack-pattern`` objects' few fields are kept (a few
hundred kilobytes). A technique's ATT&CK id is the ``external_id`` of its external reference
whose ``source_name`` is ``mitre-attack`` (or ``mitre-ics-attack`` / ``mitre-mobile-attack``);
its tactics are the ``phase_name`` of its ``kill_chain_phases``.

Loading is idempotent: a technique is matched by its STIX id (or, failing that, by its ATT&CK
id) and the newest ``modified`` wins, so loading an older release after a newer one changes
nothing. A malformed file raises ``AttackBundleError`` naming the problem, and nothing is saved:
the techniques are checked first and written in one transaction.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import IO, Any

import ijson
from django.db import transaction
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from siaga.attack.choices import DOMAIN_NAMES, KILL_CHAINS, SOURCE_NAMES, Domain
from siaga.attack.models import Technique
from siaga.audit.actions import do_record_event
from siaga.audit.choices import AuditAction

try:
    _IJSON: Any = ijson.get_backend("yajl2_c")
except ImportError:  # pragma: no cover - the C backend is in the wheels we install
    _IJSON = ijson

ATTACK_ID = re.compile(r"^(?:T|TA|M|S|G|C|DS)\d{4}(?:\.\d{3})?$")
TECHNIQUE_ID = re.compile(r"^T\d{4}(?:\.\d{3})?$")
CITATION = re.compile(r"\s*\(Citation:[^)]*\)")
MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
SHORT_DESCRIPTION = 500
WRITE_BATCH = 500


class AttackBundleError(Exception):
    """The file is not an ATT&CK bundle we can read; the message says what is wrong and where."""


@dataclass
class LoadResult:
    """What one load did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    older: int = 0  # a newer version of the technique was loaded before
    skipped: int = 0  # attack-patterns without an ATT&CK id (another source's)
    domains: dict[str, int] = field(default_factory=dict)

    @property
    def techniques(self) -> int:
        return self.added + self.updated + self.unchanged + self.older

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class _Parsed:
    attack_id: str
    name: str
    domain: str
    tactics: list[str]
    is_subtechnique: bool
    parent_attack_id: str
    deprecated: bool
    revoked: bool
    stix_id: str
    modified: datetime
    url: str
    description: str


COPIED = [f.name for f in fields(_Parsed)]


def load_attack_bundle(path_or_file: str | os.PathLike[str] | IO[bytes]) -> LoadResult:
    """Read the bundle's techniques and store them; see the module's docstring."""
    if isinstance(path_or_file, str | os.PathLike):
        try:
            with open(path_or_file, "rb") as handle:
                return load_attack_bundle(handle)
        except OSError as exc:
            raise AttackBundleError(
                _("Cannot read %(path)s: %(reason)s") % {"path": path_or_file, "reason": exc}
            ) from None
    result = LoadResult()
    parsed = _newest_per_stix_id(_read_techniques(path_or_file, result))
    if not parsed:
        raise AttackBundleError(
            _("The file holds no ATT&CK techniques (attack-pattern objects with an ATT&CK id).")
        )
    with transaction.atomic():
        _store(parsed, result)
        do_record_event(
            AuditAction.UPDATE,
            object_type="attack.technique",
            object_repr=str(getattr(path_or_file, "name", "ATT&CK bundle"))[-300:],
            changes={"attack_load": result.as_dict()},
        )
    return result


# --- Reading -------------------------------------------------------------------------------------


def _read_techniques(handle: IO[bytes], result: LoadResult) -> Iterator[_Parsed]:
    index = -1
    try:
        for index, obj in enumerate(_IJSON.items(handle, "objects.item", use_float=True)):
            if not isinstance(obj, dict) or obj.get("type") != "attack-pattern":
                continue
            technique = _parse(index, obj)
            if technique is None:
                result.skipped += 1
            else:
                yield technique
    except ijson.JSONError as exc:
        raise AttackBundleError(
            _("The file is not valid JSON after object %(index)d: %(reason)s")
            % {"index": index + 1, "reason": str(exc)[:200]}
        ) from None
    except UnicodeDecodeError:
        raise AttackBundleError(_("The file is not UTF-8 encoded JSON.")) from None


def _newest_per_stix_id(techniques: Iterator[_Parsed]) -> list[_Parsed]:
    newest: dict[str, _Parsed] = {}
    for technique in techniques:
        known = newest.get(technique.stix_id)
        if known is None or technique.modified > known.modified:
            newest[technique.stix_id] = technique
    return list(newest.values())


def _problem(index: int, obj: dict[str, Any], message: str) -> AttackBundleError:
    stix_id = obj.get("id") if isinstance(obj.get("id"), str) else "?"
    return AttackBundleError(
        _("Object %(index)d (%(id)s): %(message)s")
        % {"index": index, "id": str(stix_id)[:100], "message": message}
    )


def _parse(index: int, obj: dict[str, Any]) -> _Parsed | None:
    reference = _attack_reference(index, obj)
    if reference is None:
        return None
    attack_id = reference["external_id"]
    if not isinstance(attack_id, str) or not TECHNIQUE_ID.match(attack_id):
        raise _problem(
            index,
            obj,
            _("“%(value)s” is not an ATT&CK technique id.") % {"value": str(attack_id)[:40]},
        )
    stix_id = _text(index, obj, "id", 100)
    if not stix_id.startswith("attack-pattern--"):
        raise _problem(index, obj, _("The id must start with “attack-pattern--”."))
    is_sub = _flag(index, obj, "x_mitre_is_subtechnique")
    tactics = _tactics(index, obj)  # checks kill_chain_phases, which _domain reads
    return _Parsed(
        attack_id=attack_id,
        name=_text(index, obj, "name", 300),
        domain=_domain(index, obj),
        tactics=tactics,
        is_subtechnique=is_sub or "." in attack_id,
        parent_attack_id=attack_id.split(".")[0] if "." in attack_id else "",
        deprecated=_flag(index, obj, "x_mitre_deprecated"),
        revoked=_flag(index, obj, "revoked"),
        stix_id=stix_id,
        modified=_timestamp(index, obj),
        url=_url(reference),
        description=_short(obj.get("description")),
    )


def _attack_reference(index: int, obj: dict[str, Any]) -> dict[str, Any] | None:
    references = obj.get("external_references", [])
    if not isinstance(references, list):
        raise _problem(index, obj, _("“external_references” must be a list."))
    for reference in references:
        if (
            isinstance(reference, dict)
            and reference.get("source_name") in SOURCE_NAMES
            and "external_id" in reference
        ):
            return reference
    return None


def _text(index: int, obj: dict[str, Any], name: str, max_length: int) -> str:
    value = obj.get(name)
    if not isinstance(value, str) or not value.strip():
        raise _problem(index, obj, _("“%(name)s” must be a non-empty text.") % {"name": name})
    if len(value) > max_length or "\x00" in value:
        raise _problem(
            index, obj, _("“%(name)s” is too long or holds NUL characters.") % {"name": name}
        )
    return value.strip()


def _flag(index: int, obj: dict[str, Any], name: str) -> bool:
    value = obj.get(name, False)
    if not isinstance(value, bool):
        raise _problem(index, obj, _("“%(name)s” must be true or false.") % {"name": name})
    return value


def _timestamp(index: int, obj: dict[str, Any]) -> datetime:
    raw = obj.get("modified") or obj.get("created")
    try:
        value = parse_datetime(raw) if isinstance(raw, str) else None
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise _problem(
            index, obj, _("“modified” must be a timestamp such as 2025-04-15T19:58:01Z.")
        )
    return value


def _tactics(index: int, obj: dict[str, Any]) -> list[str]:
    phases = obj.get("kill_chain_phases", [])
    if not isinstance(phases, list) or not all(
        isinstance(phase, dict)
        and isinstance(phase.get("phase_name"), str)
        and isinstance(phase.get("kill_chain_name"), str)
        for phase in phases
    ):
        raise _problem(
            index,
            obj,
            _("“kill_chain_phases” must be a list of {kill_chain_name, phase_name} objects."),
        )
    names = [
        phase["phase_name"][:100] for phase in phases if phase["kill_chain_name"] in KILL_CHAINS
    ]
    return sorted(set(names), key=names.index)


def _domain(index: int, obj: dict[str, Any]) -> str:
    # The kill chain says which matrix a technique belongs to; x_mitre_domains is the fallback
    # for the revoked techniques that have no tactics left.
    for phase in obj.get("kill_chain_phases") or []:
        if isinstance(phase, dict) and phase.get("kill_chain_name") in KILL_CHAINS:
            return KILL_CHAINS[phase["kill_chain_name"]]
    domains = obj.get("x_mitre_domains") or []
    if isinstance(domains, list):
        for name in domains:
            if isinstance(name, str) and name in DOMAIN_NAMES:
                return DOMAIN_NAMES[name]
    for name in SOURCE_NAMES - {"mitre-attack"}:
        if any(
            isinstance(ref, dict) and ref.get("source_name") == name
            for ref in obj.get("external_references") or []
        ):
            return KILL_CHAINS[name]
    return Domain.ENTERPRISE


def _url(reference: dict[str, Any]) -> str:
    url = reference.get("url")
    if isinstance(url, str) and url.startswith("https://") and len(url) <= 500:
        return url
    return ""


def _short(description: Any) -> str:
    """The first paragraph, without citations and link targets, at most ~500 characters."""
    if not isinstance(description, str):
        return ""
    text = description.replace("\x00", "").strip().split("\n\n")[0]
    text = MARKDOWN_LINK.sub(r"\1", CITATION.sub("", text)).strip()
    if len(text) > SHORT_DESCRIPTION:
        text = text[: SHORT_DESCRIPTION - 1].rsplit(" ", 1)[0] + "…"
    return text


# --- Storing -------------------------------------------------------------------------------------


def _store(parsed: list[_Parsed], result: LoadResult) -> None:
    by_stix = {
        row.stix_id: row
        for row in Technique.objects.select_for_update().filter(
            stix_id__in=[p.stix_id for p in parsed]
        )
    }
    by_attack = {
        row.attack_id: row
        for row in Technique.objects.select_for_update().filter(
            attack_id__in=[p.attack_id for p in parsed]
        )
    }
    new: list[Technique] = []
    changed: dict[int, Technique] = {}
    for technique in sorted(parsed, key=lambda p: p.modified):
        result.domains[technique.domain] = result.domains.get(technique.domain, 0) + 1
        row = by_stix.get(technique.stix_id) or by_attack.get(technique.attack_id)
        if row is None:
            row = Technique(**{name: getattr(technique, name) for name in COPIED})
            new.append(row)
            by_stix[row.stix_id] = by_attack[row.attack_id] = row
            result.added += 1
        elif technique.modified < row.modified:
            result.older += 1
        elif _same(row, technique):
            result.unchanged += 1
        else:
            _apply(row, technique, by_stix, by_attack)
            if row.pk is not None:
                changed[row.pk] = row
            result.updated += 1
    _check_unique_attack_ids(new, changed)
    Technique.objects.bulk_create(new, batch_size=WRITE_BATCH)
    Technique.objects.bulk_update(list(changed.values()), COPIED, batch_size=WRITE_BATCH)


def _same(row: Technique, technique: _Parsed) -> bool:
    return all(getattr(row, name) == getattr(technique, name) for name in COPIED)


def _apply(
    row: Technique,
    technique: _Parsed,
    by_stix: dict[str, Technique],
    by_attack: dict[str, Technique],
) -> None:
    by_stix.pop(row.stix_id, None)
    by_attack.pop(row.attack_id, None)
    for name in COPIED:
        setattr(row, name, getattr(technique, name))
    by_stix[row.stix_id] = by_attack[row.attack_id] = row


def _check_unique_attack_ids(new: list[Technique], changed: dict[int, Technique]) -> None:
    """Two techniques of the bundle claiming the same ATT&CK id is a malformed bundle."""
    rows = [*new, *changed.values()]
    seen: dict[str, str] = {}
    for row in rows:
        other = seen.setdefault(row.attack_id, row.stix_id)
        if other != row.stix_id:
            raise AttackBundleError(
                _("%(attack_id)s is claimed by both %(first)s and %(second)s.")
                % {"attack_id": row.attack_id, "first": other, "second": row.stix_id}
            )
    taken = (
        Technique.objects.filter(attack_id__in=list(seen))
        .exclude(stix_id__in=list(seen.values()))
        .exclude(pk__in=list(changed))
        .values_list("attack_id", flat=True)
    )
    if clash := sorted(taken):
        raise AttackBundleError(
            _("%(ids)s belong to other techniques already stored.") % {"ids": ", ".join(clash)}
        )
