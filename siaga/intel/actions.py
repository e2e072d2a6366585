"""State changes of the indicator store: adding and merging indicators, editing, deleting, sightings.

``do_upsert_indicators`` is the one entry point of every importer (the pages, the API, STIX, MISP,
feeds): it normalizes each value, checks it against the warninglists, and writes new indicators
with ``bulk_create`` and known ones with one prepared UPDATE run for many rows, a chunk of ``CHUNK_SIZE`` at a time with
one SELECT per chunk. A row that is not valid is reported in ``problems`` with its index and the
reason; the valid rows are saved all the same.

``check_*`` checks the user's permission and input and then changes state; ``access_*`` fetches
one object the user may see (404 otherwise). Single changes are saved with ``save()`` so the audit
trail's signals record them; bulk writes record one summary entry per call.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from siaga.accounts.roles import principal_for
from siaga.audit.actions import do_record_event
from siaga.audit.choices import AuditAction
from siaga.core.observables import ObservableType, guess_type, normalize, value_key
from siaga.correlation.actions import Occurrence, forget_occurrences, record_occurrences
from siaga.intel.choices import SourceKind
from siaga.intel.models import Indicator, Sighting
from siaga.organizations.models import Organization
from siaga.sharing.choices import TLP, Distribution
from siaga.sharing.models import validate_sharing
from siaga.stix.publish import publish_after_commit, revoke
from siaga.warninglists.matching import check_many

CHUNK_SIZE = 1000
MAX_TAGS = 50
MAX_TAG_LENGTH = 100
MAX_DESCRIPTION_LENGTH = 20000
MAX_PATTERN_LENGTH = 20000
TECHNIQUE = re.compile(r"T\d{4}(?:\.\d{3})?")
# Field names in messages, translated only when a message is shown (not once per row).
A_TAG = _lazy("A tag")
FIRST_SEEN = _lazy("First seen")
LAST_SEEN = _lazy("Last seen")
VALID_UNTIL = _lazy("Valid until")
THE_DESCRIPTION = _lazy("The description")
THE_RSIT = _lazy("The RSIT classification")
THE_SOURCE_REF = _lazy("The source reference")
THE_PATTERN = _lazy("The STIX pattern")

# What an analyst may change on an indicator; its type, value and source stay what they are.
CHANGEABLE_FIELDS = (
    "description",
    "first_seen",
    "last_seen",
    "confidence",
    "valid_until",
    "tags",
    "attack_techniques",
    "rsit",
    "source_ref",
    "pattern",
    "alerting",
    "tlp",
    "distribution",
    "sharing_group",
)
SIGHTING_FIELDS = ("first_seen", "last_seen", "count", "where", "is_false_positive", "note")


@dataclass
class IndicatorInput:
    """One indicator as an importer hands it over: the value still raw (perhaps defanged)."""

    type: str
    value: str
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    confidence: int | None = None
    valid_until: datetime | None = None
    description: str = ""
    tags: list[str] = field(default_factory=list)
    attack_techniques: list[str] = field(default_factory=list)
    rsit: str = ""
    source_ref: str = ""
    pattern: str = ""


@dataclass
class UpsertResult:
    """What an upsert did: counts, the problems by input index, and each saved input's row id."""

    created: int = 0
    updated: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)
    ids: dict[int, int] = field(default_factory=dict)  # input index → indicator id


@dataclass
class _Row:
    """A validated input, ready to be merged into the store."""

    index: int
    type: str
    value: str
    key: str
    fields: dict[str, Any]


# --- Validation of one input ---------------------------------------------------------------------


def _text(value: Any, name: Any, max_length: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError(_("%(field)s must be text.") % {"field": name})
    if "\x00" in value:
        raise ValidationError(_("%(field)s contains a NUL character.") % {"field": name})
    if len(value) > max_length:
        raise ValidationError(
            _("%(field)s may be at most %(max)d characters long.")
            % {"field": name, "max": max_length}
        )
    return value.strip()


def _tags(values: Any) -> list[str]:
    if not isinstance(values, list | tuple):
        raise ValidationError(_("Tags must be a list of words."))
    tags: list[str] = []
    for value in values:
        tag = _text(value, A_TAG, MAX_TAG_LENGTH)
        if tag and tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise ValidationError(_("At most %(max)d tags.") % {"max": MAX_TAGS})
    return tags


def _techniques(values: Any) -> list[str]:
    if not isinstance(values, list | tuple):
        raise ValidationError(_("ATT&CK techniques must be a list such as T1566.001."))
    techniques: list[str] = []
    for value in values:
        technique = str(value).strip().upper()
        if not TECHNIQUE.fullmatch(technique):
            raise ValidationError(
                _("%(value)s is not an ATT&CK technique id such as T1566 or T1566.001.")
                % {"value": str(value)[:40]}
            )
        if technique not in techniques:
            techniques.append(technique)
    return techniques


def _moment(value: Any, name: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime) or timezone.is_naive(value):
        raise ValidationError(
            _("%(field)s must be a date and time with its time zone.") % {"field": name}
        )
    return value


def _confidence(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise ValidationError(_("Confidence is a whole number from 0 to 100."))
    return value


def validate_input(item: IndicatorInput, now: datetime) -> tuple[str, str, dict[str, Any]]:
    """The canonical type and value of one input and its other fields, checked."""
    if item.type not in ObservableType.values:
        raise ValidationError(
            _("Unknown observable type %(type)s.") % {"type": str(item.type)[:40]}
        )
    if not isinstance(item.value, str):
        raise ValidationError(_("Enter a value."))
    if "\x00" in item.value:
        raise ValidationError(_("The value contains a NUL character."))
    canonical = normalize(item.type, item.value)
    first_seen = _moment(item.first_seen, FIRST_SEEN)
    last_seen = _moment(item.last_seen, LAST_SEEN)
    first_seen = first_seen or last_seen or now
    if last_seen is None:
        last_seen = max(first_seen, now)
    if first_seen > last_seen:
        raise ValidationError(_("First seen is after last seen."))
    fields = {
        "first_seen": first_seen,
        "last_seen": last_seen,
        "confidence": _confidence(item.confidence),
        "valid_until": _moment(item.valid_until, VALID_UNTIL),
        "description": _text(item.description, THE_DESCRIPTION, MAX_DESCRIPTION_LENGTH),
        "tags": _tags(item.tags or []),
        "attack_techniques": _techniques(item.attack_techniques or []),
        "rsit": _text(item.rsit, THE_RSIT, 64),
        "source_ref": _text(item.source_ref, THE_SOURCE_REF, 200),
        "pattern": _text(item.pattern, THE_PATTERN, MAX_PATTERN_LENGTH),
    }
    return item.type, canonical, fields


def _problem_text(exc: ValidationError) -> str:
    return " ".join(str(message) for message in exc.messages)


# --- Warninglists and correlation -----------------------------------------------------------------


def warninglist_hits(pairs: Sequence[tuple[str, str]]) -> list[list[str]]:
    """The names of the warninglists each (type, canonical value) is on."""
    if not pairs:
        return []
    return [list(hits) for hits in check_many(list(pairs))]


def record_correlation(indicators: Iterable[Any]) -> None:
    """Tell the correlation index where these values occur."""
    occurrences = [
        Occurrence(
            type=indicator.type,
            value=indicator.value,
            object_id=indicator.pk,
            organization_id=indicator.organization_id,
        )
        for indicator in indicators
    ]
    if occurrences:
        record_occurrences("indicator", occurrences)


def forget_correlation(ids: Sequence[int]) -> None:
    if ids:
        forget_occurrences("indicator", list(ids))


# --- The upsert -----------------------------------------------------------------------------------


def do_upsert_indicators(
    inputs: Sequence[IndicatorInput],
    *,
    organization: Organization,
    tlp: str,
    distribution: str,
    sharing_group: Any = None,
    created_by: Any = None,
    source_kind: str,
    recipients: Sequence[Any] = (),
    audit_summary: bool = True,
) -> UpsertResult:
    """Add the inputs to ``organization``'s indicators, merging those it already has.

    A known indicator (same organization, type and canonical value) keeps its labels; its seen
    times widen, its confidence becomes the higher one and tags and techniques are merged.
    Inputs repeating a value earlier in the same call are merged into it the same way.
    """
    validate_sharing(tlp, distribution, sharing_group)
    if source_kind not in SourceKind.values:
        raise ValidationError({"source_kind": _("Unknown source.")})
    result = UpsertResult()
    now = timezone.now()
    labels = {
        "organization": organization,
        "tlp": tlp,
        "distribution": distribution,
        "sharing_group": sharing_group,
        "created_by": created_by,
        "source_kind": source_kind,
    }
    with transaction.atomic():
        for start in range(0, len(inputs), CHUNK_SIZE):
            chunk = inputs[start : start + CHUNK_SIZE]
            rows = _validated_rows(chunk, start, now, result)
            _write_chunk(rows, labels, now, result, recipients)
        publish_after_commit(indicator_ids=sorted(set(result.ids.values())))
        if audit_summary and (result.created or result.updated):
            do_record_event(
                AuditAction.CREATE,
                object_type="intel.indicator",
                object_repr=_("%(count)d indicators of %(organization)s")
                % {"count": result.created + result.updated, "organization": organization},
                changes={
                    "created": result.created,
                    "updated": result.updated,
                    "problems": len(result.problems),
                    "source_kind": source_kind,
                    "tlp": tlp,
                    "distribution": distribution,
                },
                actor=created_by,
            )
    return result


def _validated_rows(
    chunk: Sequence[IndicatorInput], start: int, now: datetime, result: UpsertResult
) -> list[_Row]:
    rows: list[_Row] = []
    for offset, item in enumerate(chunk):
        index = start + offset
        try:
            kind, canonical, fields = validate_input(item, now)
        except ValidationError as exc:
            result.problems.append((index, _problem_text(exc)))
            continue
        rows.append(_Row(index, kind, canonical, value_key(kind, canonical), fields))
    return rows


def _write_chunk(
    rows: list[_Row],
    labels: dict[str, Any],
    now: datetime,
    result: UpsertResult,
    recipients: Sequence[Any],
) -> None:
    if not rows:
        return
    organization = labels["organization"]
    existing = {
        indicator.value_key: indicator
        for indicator in Indicator.objects.filter(
            organization=organization, value_key__in=[row.key for row in rows]
        )
    }
    hits = warninglist_hits([(row.type, row.value) for row in rows])
    new: dict[str, SimpleNamespace] = {}
    merged: dict[str, tuple[Any, ...]] = {}  # known indicator → its fields before the merge
    index_of: dict[int, str] = {}
    for row, row_hits in zip(rows, hits, strict=True):
        index_of[row.index] = row.key
        if row.key in existing:
            merged.setdefault(row.key, _snapshot(existing[row.key]))
            _merge(existing[row.key], row, row_hits)
        elif row.key in new:
            _merge(new[row.key], row, row_hits)
        else:
            new[row.key] = _new_indicator(row, row_hits, labels)
    created = _insert_new(list(new.values()), organization, now)
    changed = [
        existing[key] for key, before in merged.items() if _snapshot(existing[key]) != before
    ]
    _update_merged(changed, now)
    if recipients and labels["tlp"] == TLP.RED:
        _add_recipients(created, recipients)
    result.created += len(created)
    result.updated += len(merged)
    saved: dict[str, Any] = {**new, **{key: existing[key] for key in merged}}
    for index, key in index_of.items():
        result.ids[index] = saved[key].pk
    record_correlation(created)


MERGED_FIELDS = [
    "first_seen",
    "last_seen",
    "confidence",
    "valid_until",
    "description",
    "tags",
    "attack_techniques",
    "rsit",
    "source_ref",
    "pattern",
    "warninglists",
    "alerting",
]


def _snapshot(indicator: Indicator) -> tuple[Any, ...]:
    return tuple(
        list(value) if isinstance(value, list) else value
        for value in (getattr(indicator, name) for name in MERGED_FIELDS)
    )


def _update_merged(indicators: list[Indicator], now: datetime) -> None:
    """Write the merged fields of known indicators: one prepared UPDATE, run once per row.

    ``bulk_update`` builds a CASE over every row for every field, which grows with the square of
    the chunk; a statement prepared once and executed for each row stays linear on both databases.
    """
    if not indicators:
        return
    meta = Indicator._meta
    names = [*MERGED_FIELDS, "updated_at"]
    fields = [meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(str(field.column))} = %s" for field in fields)  # type: ignore[union-attr]
    # Only quoted names of our own model are in the text; every value is a parameter.
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote('id')} = %s"  # noqa: S608
    params = []
    for indicator in indicators:
        indicator.updated_at = now
        values = [
            field.get_db_prep_save(getattr(indicator, field.attname), connection)  # type: ignore[union-attr]
            for field in fields
        ]
        params.append([*values, indicator.pk])
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _new_indicator(row: _Row, hits: list[str], labels: dict[str, Any]) -> SimpleNamespace:
    """A new indicator's column values by attribute name (a model instance costs more)."""
    fields = dict(row.fields)
    if fields["confidence"] is None:
        fields["confidence"] = 50
    return SimpleNamespace(
        type=row.type,
        value=row.value,
        value_key=row.key,
        warninglists=hits,
        alerting=not hits,
        organization_id=labels["organization"].pk,
        sharing_group_id=getattr(labels["sharing_group"], "pk", None),
        created_by_id=getattr(labels["created_by"], "pk", None),
        tlp=labels["tlp"],
        distribution=labels["distribution"],
        source_kind=labels["source_kind"],
        pk=None,
        **fields,
    )


# Column types whose Python values the database drivers take as they are.
_PLAIN_TYPES = frozenset(
    {
        "ForeignKey",
        "IntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "BooleanField",
    }
)


def _adapter(column: Any) -> Any:
    """How to turn a value of this column into a query parameter (None: as it is).

    The general ``get_db_prep_save`` costs several calls per value; these are the same
    conversions for the few column types an indicator has.
    """
    kind = column.get_internal_type()
    if kind in _PLAIN_TYPES:
        return None
    if kind in ("CharField", "TextField"):
        return str  # choices arrive as enum members
    if kind == "DateTimeField":
        return connection.ops.adapt_datetimefield_value
    return lambda value: column.get_db_prep_save(value, connection)


def _insert_new(
    rows: list[SimpleNamespace], organization: Organization, now: datetime
) -> list[Any]:
    """Insert new indicators with one prepared INSERT run for every row, then read their ids.

    ``bulk_create`` builds and adapts one large statement through the ORM, several times slower
    than the database driver's ``executemany``; the ids come back with one SELECT by value key.
    """
    if not rows:
        return []
    meta = Indicator._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    defaults = {"created_at": now, "updated_at": now, "sighting_count": 0}
    defaults["false_positive_count"] = 0
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(column.column)) for column in fields)
    marks = ", ".join(["%s"] * len(fields))
    # Only quoted names of our own model are in the text; every value is a parameter.
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
    adapters = [(column.attname, _adapter(column)) for column in fields]
    params: list[Any] = []
    for row in rows:
        row.uuid = uuid.uuid4()
        values = []
        for attname, adapt in adapters:
            value = getattr(row, attname, None)
            if value is None:
                value = defaults.get(attname)
            values.append(value if value is None or adapt is None else adapt(value))
        params.append(values)
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
    ids = dict(
        Indicator.objects.filter(
            organization=organization, value_key__in=[row.value_key for row in rows]
        ).values_list("value_key", "pk")
    )
    for row in rows:
        row.pk = ids[row.value_key]
    return rows


def _merge(indicator: Any, row: _Row, hits: list[str]) -> None:
    """Fold a new report of a known value into the indicator (see ``do_upsert_indicators``)."""
    fields = row.fields
    indicator.first_seen = min(indicator.first_seen, fields["first_seen"])
    indicator.last_seen = max(indicator.last_seen, fields["last_seen"])
    if fields["confidence"] is not None:
        indicator.confidence = max(indicator.confidence, fields["confidence"])
    if fields["valid_until"] is not None and indicator.valid_until is not None:
        indicator.valid_until = max(indicator.valid_until, fields["valid_until"])
    indicator.tags = _union(indicator.tags, fields["tags"])
    indicator.attack_techniques = _union(indicator.attack_techniques, fields["attack_techniques"])
    for name in ("description", "rsit", "source_ref", "pattern"):
        if not getattr(indicator, name) and fields[name]:
            setattr(indicator, name, fields[name])
    if set(hits) - set(indicator.warninglists or []):
        # Newly on a warninglist: out of alerting until an analyst decides otherwise.
        indicator.alerting = False
    indicator.warninglists = hits


def _union(old: list[str] | None, new: list[str]) -> list[str]:
    merged = list(old or [])
    merged.extend(item for item in new if item not in merged)
    return merged


def _add_recipients(indicators: Sequence[Any], recipients: Sequence[Any]) -> None:
    through = Indicator.recipients.through
    through.objects.bulk_create(
        [
            through(indicator_id=indicator.pk, user_id=getattr(user, "pk", user))
            for indicator in indicators
            for user in recipients
        ],
        ignore_conflicts=True,
    )


# --- Single indicators ----------------------------------------------------------------------------


def access_indicator(user: Any, pk: int, action: str = "view") -> Indicator:
    return get_object_or_404(
        Indicator.objects.restrict(user, action).select_related(
            "organization", "sharing_group", "created_by"
        ),
        pk=pk,
    )


def _source_organization(user: Any, organization: Any, permission: str) -> Organization:
    """The organization the user acts for: the one given, or their first holding ``permission``."""
    principal = principal_for(user)
    if organization is None:
        org_ids = [org_id for org_id, _role in principal.roles]
        allowed = [org_id for org_id in org_ids if principal.has_perm(permission, org_id)]
        if not allowed:
            raise PermissionDenied(_("You may not do this for any organization."))
        organization = Organization.objects.filter(pk__in=allowed).order_by("name").first()
    org_id = getattr(organization, "pk", organization)
    member_of = {org_id for org_id, _role in principal.roles}
    if org_id not in member_of and not principal.is_superuser:
        raise ValidationError({"organization": _("You can only act for your own organizations.")})
    if not principal.has_perm(permission, org_id):
        raise PermissionDenied(_("You may not do this for that organization."))
    found = Organization.objects.filter(pk=org_id, is_active=True).first()
    if found is None:
        raise ValidationError({"organization": _("Unknown organization.")})
    return found


def check_add_indicator(user: Any, data: dict[str, Any]) -> tuple[Indicator, bool]:
    """Add one indicator (or merge into the one the organization has); returns it and whether it
    was new. ``data`` holds the ``IndicatorInput`` fields and the sharing labels."""
    organization = _source_organization(user, data.get("organization"), "indicator.add")
    item = IndicatorInput(**{name: data[name] for name in INPUT_FIELDS if name in data})
    recipients = list(data.get("recipients") or [])
    tlp = data.get("tlp") or TLP.AMBER
    distribution = data.get("distribution") or Distribution.ORGANIZATION
    sharing_group = data.get("sharing_group")
    validate_sharing(tlp, distribution, sharing_group)
    _check_recipients(tlp, recipients)
    with transaction.atomic():
        result = do_upsert_indicators(
            [item],
            organization=organization,
            tlp=tlp,
            distribution=distribution,
            sharing_group=sharing_group,
            created_by=user,
            source_kind=data.get("source_kind") or SourceKind.MANUAL,
            recipients=recipients,
            audit_summary=False,
        )
        if result.problems:
            raise ValidationError({"value": result.problems[0][1]})
        indicator = Indicator.objects.get(pk=result.ids[0])
        created = bool(result.created)
        do_record_event(
            AuditAction.CREATE if created else AuditAction.UPDATE,
            indicator,
            changes={"value": indicator.value, "type": indicator.type, "merged": not created},
            actor=user,
        )
    return indicator, created


INPUT_FIELDS = tuple(IndicatorInput.__dataclass_fields__)


def _check_recipients(tlp: str, recipients: Sequence[Any]) -> None:
    if recipients and tlp != TLP.RED:
        raise ValidationError({"recipients": _("Named recipients are only used with TLP:RED.")})


def check_change_indicator(user: Any, indicator: Indicator, data: dict[str, Any]) -> Indicator:
    """Change the fields of ``CHANGEABLE_FIELDS`` (and ``recipients``) given in ``data``."""
    if not Indicator.objects.restrict(user, "change").filter(pk=indicator.pk).exists():
        raise PermissionDenied(_("You may not change this indicator."))
    refused = sorted(set(data) - set(CHANGEABLE_FIELDS) - {"recipients"})
    if refused:
        raise ValidationError({name: _("This field cannot be changed.") for name in refused})
    now = timezone.now()
    with transaction.atomic():
        locked = Indicator.objects.select_for_update().get(pk=indicator.pk)
        for name, value in _checked_changes(data, now).items():
            setattr(locked, name, value)
        if locked.first_seen > locked.last_seen:
            raise ValidationError({"first_seen": _("First seen is after last seen.")})
        locked.full_clean(exclude=["value_key"])
        validate_sharing(locked.tlp, locked.distribution, locked.sharing_group)
        locked.save()
        if "recipients" in data:
            _set_recipients(locked, list(data["recipients"] or []))
        elif locked.tlp != TLP.RED and locked.recipients.exists():
            locked.recipients.clear()
        publish_after_commit(indicator_ids=[locked.pk])
    return locked


def _checked_changes(data: dict[str, Any], now: datetime) -> dict[str, Any]:
    checks = {
        "description": lambda v: _text(v, THE_DESCRIPTION, MAX_DESCRIPTION_LENGTH),
        "tags": _tags,
        "attack_techniques": _techniques,
        "rsit": lambda v: _text(v, THE_RSIT, 64),
        "source_ref": lambda v: _text(v, THE_SOURCE_REF, 200),
        "pattern": lambda v: _text(v, THE_PATTERN, MAX_PATTERN_LENGTH),
        "confidence": _confidence,
        "first_seen": lambda v: _moment(v, FIRST_SEEN),
        "last_seen": lambda v: _moment(v, LAST_SEEN),
        "valid_until": lambda v: _moment(v, VALID_UNTIL),
    }
    changes: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    for name, value in data.items():
        if name == "recipients":
            continue
        try:
            changes[name] = checks[name](value) if name in checks else value
        except ValidationError as exc:
            errors[name] = exc.messages
    for name in ("first_seen", "last_seen", "confidence"):
        if name in changes and changes[name] is None:
            errors[name] = [_("This field cannot be empty.")]
    if errors:
        raise ValidationError(errors)
    return changes


def _set_recipients(indicator: Indicator, recipients: list[Any]) -> None:
    _check_recipients(indicator.tlp, recipients)
    before = set(indicator.recipients.values_list("pk", flat=True))
    indicator.recipients.set(recipients)
    after = set(indicator.recipients.values_list("pk", flat=True))
    if before != after:
        do_record_event(
            AuditAction.UPDATE,
            indicator,
            changes={"recipients": [sorted(before), sorted(after)]},
        )


def check_delete_indicator(user: Any, indicator: Indicator) -> None:
    if not Indicator.objects.restrict(user, "delete").filter(pk=indicator.pk).exists():
        raise PermissionDenied(_("You may not delete this indicator."))
    do_delete_indicator(indicator)


def do_delete_indicator(indicator: Indicator) -> None:
    """Delete the indicator with its sightings, and take it out of the correlation index."""
    pk = indicator.pk
    with transaction.atomic():
        for sighting in list(indicator.sightings.all()):
            sighting.delete()  # one by one, so each is in the audit trail
        stix_id = indicator.stix_id
        indicator.delete()
        forget_correlation([pk])
        # Partners who pulled it over TAXII get a revoked version rather than silence.
        transaction.on_commit(lambda: revoke([stix_id]))


# --- Sightings ------------------------------------------------------------------------------------


def check_add_sighting(user: Any, indicator: Indicator, data: dict[str, Any]) -> Sighting:
    """Record that the user's organization saw the indicator (or found it a false positive).

    Without labels of its own the sighting is shared as the indicator is. ``disable_alerting``
    with a false positive turns the indicator's alerting off — only for its source organization.
    """
    if not Indicator.objects.restrict(user, "view").filter(pk=indicator.pk).exists():
        raise PermissionDenied(_("You may not see this indicator."))
    organization = _source_organization(user, data.get("organization"), "sighting.add")
    fields = _sighting_fields(data)
    disable_alerting = bool(data.get("disable_alerting"))
    if disable_alerting and (
        not fields["is_false_positive"] or organization.pk != indicator.organization_id
    ):
        raise ValidationError(
            {
                "disable_alerting": _(
                    "Only the source organization can turn alerting off, with a false positive."
                )
            }
        )
    labels = _sighting_labels(user, indicator, data)
    with transaction.atomic():
        locked = Indicator.objects.select_for_update().get(pk=indicator.pk)
        sighting = Sighting(
            indicator=locked,
            observed_by=user,
            created_by=user,
            organization=organization,
            source_kind=data.get("source_kind") or SourceKind.MANUAL,
            **fields,
            **{name: labels[name] for name in ("tlp", "distribution", "sharing_group")},
        )
        sighting.full_clean()
        sighting.save()
        if labels["tlp"] == TLP.RED and labels["recipients"]:
            sighting.recipients.set(labels["recipients"])
        _bump(locked, sighting, disable_alerting)
        publish_after_commit(indicator_ids=[locked.pk], sighting_ids=[sighting.pk])
    return sighting


def _sighting_fields(data: dict[str, Any]) -> dict[str, Any]:
    now = timezone.now()
    fields = {name: data[name] for name in SIGHTING_FIELDS if data.get(name) is not None}
    fields.setdefault("last_seen", now)
    fields.setdefault("first_seen", fields["last_seen"])
    fields.setdefault("count", 1)
    fields.setdefault("is_false_positive", False)
    for name in ("where", "note"):
        fields[name] = _text(fields.get(name, ""), name, 200 if name == "where" else 5000)
    errors: dict[str, Any] = {}
    for name in ("first_seen", "last_seen"):
        try:
            _moment(fields[name], name)
        except ValidationError as exc:
            errors[name] = exc.messages
    if not errors and fields["first_seen"] > fields["last_seen"]:
        errors["first_seen"] = [_("First seen is after last seen.")]
    if errors:
        raise ValidationError(errors)
    return fields


def _sighting_labels(user: Any, indicator: Indicator, data: dict[str, Any]) -> dict[str, Any]:
    if data.get("tlp"):
        labels = {
            "tlp": data["tlp"],
            "distribution": data.get("distribution") or Distribution.ORGANIZATION,
            "sharing_group": data.get("sharing_group"),
            "recipients": list(data.get("recipients") or []),
        }
    else:
        # As the indicator is shared, so that its source learns of the sighting.
        labels = {
            "tlp": indicator.tlp,
            "distribution": indicator.distribution,
            "sharing_group": indicator.sharing_group,
            "recipients": [indicator.created_by]
            if indicator.tlp == TLP.RED and indicator.created_by not in (None, user)
            else [],
        }
    validate_sharing(labels["tlp"], labels["distribution"], labels["sharing_group"])
    _check_recipients(labels["tlp"], labels["recipients"])
    return labels


def _bump(indicator: Indicator, sighting: Sighting, disable_alerting: bool) -> None:
    """Count the sighting on the indicator; a real one also refreshes its last-seen time."""
    if sighting.is_false_positive:
        indicator.false_positive_count += 1
        if disable_alerting:
            indicator.alerting = False
    else:
        indicator.sighting_count += 1
        indicator.last_seen = max(indicator.last_seen, sighting.last_seen)
    indicator.save(
        update_fields=[
            "sighting_count",
            "false_positive_count",
            "last_seen",
            "alerting",
            "updated_at",
        ]
    )


# --- Many at once (the bulk page and the API) ------------------------------------------------------

MAX_BULK_ITEMS = 10_000


@dataclass
class LineProblem:
    """A pasted line that was not added, and why."""

    line: int  # 1-based, as an editor shows it
    value: str
    message: str


def check_bulk_upsert(
    user: Any, inputs: Sequence[IndicatorInput], labels: dict[str, Any], *, source_kind: str
) -> UpsertResult:
    """Add many indicators for the user's organization (``labels`` holds organization, tlp,
    distribution, sharing_group, recipients); the problems name each refused item."""
    if len(inputs) > MAX_BULK_ITEMS:
        raise ValidationError(
            _("At most %(max)d indicators at once; this has %(count)d.")
            % {"max": MAX_BULK_ITEMS, "count": len(inputs)}
        )
    organization = _source_organization(user, labels.get("organization"), "indicator.add")
    tlp = labels.get("tlp") or TLP.AMBER
    distribution = labels.get("distribution") or Distribution.ORGANIZATION
    recipients = list(labels.get("recipients") or [])
    _check_recipients(tlp, recipients)
    return do_upsert_indicators(
        inputs,
        organization=organization,
        tlp=tlp,
        distribution=distribution,
        sharing_group=labels.get("sharing_group"),
        created_by=user,
        source_kind=source_kind,
        recipients=recipients,
    )


def check_bulk_add_lines(
    user: Any,
    lines: Sequence[str],
    *,
    kind: str = "",
    template: IndicatorInput | None = None,
    labels: dict[str, Any],
) -> tuple[UpsertResult, list[LineProblem]]:
    """Pasted values, one a line (blank lines skipped); each line's type is guessed unless
    ``kind`` is given. ``template`` gives every line its confidence, tags and description."""
    template = template or IndicatorInput(type="", value="")
    inputs: list[IndicatorInput] = []
    line_of: list[int] = []
    problems: list[LineProblem] = []
    for number, line in enumerate(lines, start=1):
        value = line.strip()
        if not value:
            continue
        line_kind = kind or guess_type(value)
        if line_kind is None:
            problems.append(LineProblem(number, value[:200], _("Not a value of any known type.")))
            continue
        inputs.append(_from_template(template, line_kind, value))
        line_of.append(number)
    result = check_bulk_upsert(user, inputs, labels, source_kind=SourceKind.MANUAL)
    for index, message in result.problems:
        problems.append(LineProblem(line_of[index], inputs[index].value[:200], message))
    problems.sort(key=lambda problem: problem.line)
    return result, problems


def _from_template(template: IndicatorInput, kind: str, value: str) -> IndicatorInput:
    return IndicatorInput(
        type=kind,
        value=value,
        confidence=template.confidence,
        description=template.description,
        tags=list(template.tags),
        attack_techniques=list(template.attack_techniques),
        valid_until=template.valid_until,
    )
