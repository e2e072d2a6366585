"""The operator's mapping (its format is described in the package's docstring): its validation,
``mapping_errors``, and ``read_mapping``, which gives the parsers a checked ``FieldMapping``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.utils.translation import gettext as _

from siaga.feeds import harmonized

# The IntelMQ parser's per-field reading (JSON types accepted, conversions, reasons): one set of
# rules for a field, whichever parser reads it.
from siaga.feeds.parsers.intelmq import EXPECTED, INVALID, KINDS, as_text
from siaga.feeds.parsers.intelmq import convert as convert_kind
from siaga.feeds.parsers.mapping.times import iso_or_epoch
from siaga.incidents.taxonomy import INTELMQ_TYPES, RSIT_TYPES_BY_CLASS

CLASSIFICATION_KEYS = ("taxonomy", "type", "identifier")
MAPPING_KEYS = (
    "classification",
    "fields",
    "constants",
    "extra",
    "time_format",
    "delimiter",
    "quote",
    "comment_prefix",
    "has_header",
    "columns",
    "records",
)
# Fields the parser fills itself; a mapping cannot name them.
OWN_FIELDS = frozenset({"raw", "extra"})
_MAX_NAME = 200
# RSIT type → its class.
RSIT_TYPES = {str(t): str(c) for c, types in RSIT_TYPES_BY_CLASS.items() for t in types}
# Lower-case type as written → (RSIT class, RSIT type): RSIT's own and IntelMQ's.
TYPE_PAIRS: dict[str, tuple[str, str]] = {
    **{t: (c, t) for t, c in RSIT_TYPES.items()},
    **{str(k): (str(c), str(t)) for k, (c, t) in INTELMQ_TYPES.items()},
}


@dataclass(frozen=True)
class FieldMapping:
    """A mapping that passed ``mapping_errors``, with defaults filled in."""

    fields: dict[str, str]  # harmonized field → column / JSON key
    constants: dict[str, Any]
    classification: dict[str, str]  # fixed taxonomy / type / identifier (normalized)
    extra: tuple[str, ...] = ()
    time_format: str | None = None
    delimiter: str = ","
    quote: str = '"'
    comment_prefix: str | None = None
    has_header: bool = True
    columns: tuple[str, ...] = ()
    records: str | None = None
    sources: tuple[str, ...] = field(default=())  # every column / key the mapping reads


def mapping_errors(mapping: object) -> list[str]:
    """Every problem of an operator's mapping, each naming its key; empty when it is usable."""
    if not isinstance(mapping, dict):
        return [_("mapping: must be a JSON object.")]
    errors = [
        _("%(key)s: not a mapping key (known: %(known)s).")
        % {"key": str(key)[:80], "known": ", ".join(MAPPING_KEYS)}
        for key in mapping
        if key not in MAPPING_KEYS
    ]
    errors += _fields_errors(mapping.get("fields"))
    errors += _constants_errors(mapping.get("constants", {}), mapping.get("fields"))
    errors += _classification_errors(mapping)
    errors += _names_errors("extra", mapping.get("extra", []))
    errors += _time_format_errors(mapping.get("time_format"))
    errors += _csv_errors(mapping)
    records = mapping.get("records")
    if records is not None and not _is_name(records):
        errors.append(_("records: must be a dotted path such as “data.items”."))
    return errors


def read_mapping(mapping: object) -> FieldMapping:
    """The mapping ready for a parser; ``ValueError`` listing every problem if it is not usable."""
    errors = mapping_errors(mapping)
    if errors:
        raise ValueError(
            _("The field mapping is not usable: %(errors)s") % {"errors": " ".join(errors)}
        )
    assert isinstance(mapping, dict)  # checked by mapping_errors
    fields = dict(mapping["fields"])
    extra = tuple(mapping.get("extra", []))
    return FieldMapping(
        fields=fields,
        constants=dict(mapping.get("constants", {})),
        classification=_fixed_classification(mapping.get("classification", {})),
        extra=extra,
        time_format=mapping.get("time_format"),
        delimiter=mapping.get("delimiter", ","),
        quote=mapping.get("quote", '"'),
        comment_prefix=mapping.get("comment_prefix"),
        has_header=mapping.get("has_header", True),
        columns=tuple(mapping.get("columns", [])),
        records=mapping.get("records"),
        sources=tuple(dict.fromkeys([*fields.values(), *extra])),
    )


def _dict_at(mapping: dict[str, Any], key: str) -> dict[Any, Any]:
    """The object under ``key``, or an empty one when it is not an object (reported elsewhere)."""
    value = mapping.get(key)
    return value if isinstance(value, dict) else {}


def _list_at(mapping: dict[str, Any], key: str) -> list[Any]:
    value = mapping.get(key)
    return value if isinstance(value, list) else []


def _is_name(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value.strip()) <= _MAX_NAME


def _field_error(prefix: str, name: object) -> str | None:
    """Why ``name`` cannot be a mapped field, or None."""
    if not isinstance(name, str) or not harmonized.is_field(name):
        return _("%(prefix)s.%(name)s: not a harmonized field.") % {
            "prefix": prefix,
            "name": str(name)[:80],
        }
    if name in OWN_FIELDS:
        return _("%(prefix)s.%(name)s: filled by the parser, cannot be mapped.") % {
            "prefix": prefix,
            "name": name,
        }
    return None


def _fields_errors(fields: object) -> list[str]:
    if not isinstance(fields, dict) or not fields:
        return [_("fields: must be a JSON object mapping at least one harmonized field.")]
    errors = []
    for name, source in fields.items():
        problem = _field_error("fields", name)
        if problem:
            errors.append(problem)
        elif not _is_name(source):
            errors.append(
                _("fields.%(name)s: must name a column or key (text of 1 to 200 characters).")
                % {"name": name}
            )
    return errors


def _constants_errors(constants: object, fields: object) -> list[str]:
    if not isinstance(constants, dict):
        return [_("constants: must be a JSON object.")]
    mapped = fields if isinstance(fields, dict) else {}
    errors = []
    for name, value in constants.items():
        problem = _field_error("constants", name)
        if problem:
            errors.append(problem)
            continue
        if name.startswith("classification."):
            errors.append(_("constants.%(name)s: set it under “classification”.") % {"name": name})
        elif name in mapped:
            errors.append(
                _("constants.%(name)s: also mapped in fields; choose one.") % {"name": name}
            )
        elif type(value) not in (str, int, float, bool):
            errors.append(
                _("constants.%(name)s: must be a string, number or boolean.") % {"name": name}
            )
        elif (reason := _constant_problem(name, value)) is not None:
            errors.append(f"constants.{name}: {reason}")
    return errors


def _constant_problem(name: str, value: object) -> str | None:
    """Why a constant cannot be its field's value (read as a value of a report would be)."""
    if name.startswith(harmonized.EXTRA_PREFIX):
        return None
    text, wrong = as_text([value], KINDS[name])
    if wrong is not None:
        return EXPECTED[KINDS[name]]
    if name in harmonized.TIME_FIELDS:
        converted = iso_or_epoch(text.alias(name))
        bad = converted[1] is not None
    else:
        bad = convert_kind(text.alias(name), KINDS[name])[1] is not None
    return INVALID.get(KINDS[name], "not readable") if bad else None


def _classification_errors(mapping: dict[str, Any]) -> list[str]:
    fixed = mapping.get("classification", {})
    fields = _dict_at(mapping, "fields")
    if not isinstance(fixed, dict):
        return [_("classification: must be a JSON object (taxonomy, type, identifier).")]
    errors = [
        _("classification.%(key)s: not a classification key (taxonomy, type, identifier).")
        % {"key": str(key)[:80]}
        for key in fixed
        if key not in CLASSIFICATION_KEYS
    ]
    for key in CLASSIFICATION_KEYS:
        if key in fixed and not _is_name(fixed[key]):
            errors.append(_("classification.%(key)s: must be text.") % {"key": key})
        if key in fixed and f"classification.{key}" in fields:
            errors.append(
                _("classification.%(key)s: fixed here and mapped in fields; choose one.")
                % {"key": key}
            )
    if "type" in fixed and "classification.taxonomy" in fields:
        errors.append(
            _("fields.classification.taxonomy: the fixed type brings its class; do not map it.")
        )
    if errors:
        return errors
    taxonomy = str(fixed.get("taxonomy", "")).strip().lower()
    kind = str(fixed.get("type", "")).strip().lower()
    if taxonomy and taxonomy not in RSIT_TYPES_BY_CLASS:
        errors.append(
            _("classification.taxonomy: “%(value)s” is not an RSIT class.") % {"value": taxonomy}
        )
    if not kind and "classification.type" not in fields:
        errors.append(
            _("classification.type: give the type, or map classification.type in fields.")
        )
    elif kind and kind not in TYPE_PAIRS:
        errors.append(_("classification.type: “%(value)s” is not an RSIT type.") % {"value": kind})
    elif taxonomy in RSIT_TYPES_BY_CLASS and RSIT_TYPES.get(kind, taxonomy) != taxonomy:
        errors.append(
            _("classification.type: “%(type)s” is not a type of the class “%(class)s”.")
            % {"type": kind, "class": taxonomy}
        )
    return errors


def _fixed_classification(fixed: dict[str, str]) -> dict[str, str]:
    """The fixed part, normalized: a fixed type brings its RSIT class (and IntelMQ's types theirs)."""
    result = {key: value.strip() for key, value in fixed.items()}
    if "taxonomy" in result:
        result["taxonomy"] = result["taxonomy"].lower()
    if "type" in result:
        result["taxonomy"], result["type"] = TYPE_PAIRS[result["type"].lower()]
    return result


def _names_errors(key: str, names: object) -> list[str]:
    if not isinstance(names, list):
        return [_("%(key)s: must be a list of names.") % {"key": key}]
    if not all(_is_name(name) for name in names):
        return [_("%(key)s: every name must be text of 1 to 200 characters.") % {"key": key}]
    if len(set(names)) != len(names):
        return [_("%(key)s: a name is given twice.") % {"key": key}]
    return []


def _time_format_errors(time_format: object) -> list[str]:
    if time_format is None:
        return []
    if not isinstance(time_format, str) or "%" not in time_format or len(time_format) > 100:
        return [_("time_format: must be a strftime format such as “%Y-%m-%d %H:%M:%S”.")]
    try:
        pl.Series(["2024-01-01"]).str.to_datetime(time_format, time_unit="us", strict=False)
    except (pl.exceptions.PolarsError, ValueError, pl.exceptions.PanicException) as exc:
        return [_("time_format: not usable (%(error)s).") % {"error": str(exc).splitlines()[0]}]
    return []


def _csv_errors(mapping: dict[str, Any]) -> list[str]:
    errors = []
    delimiter, quote = mapping.get("delimiter", ","), mapping.get("quote", '"')
    for key, value in (("delimiter", delimiter), ("quote", quote)):
        if not isinstance(value, str) or len(value) != 1 or value in "\r\n":
            errors.append(
                _("%(key)s: must be one character other than a line break.") % {"key": key}
            )
    if not errors and delimiter == quote:
        errors.append(_("quote: must differ from the delimiter."))
    prefix = mapping.get("comment_prefix")
    if prefix is not None and (
        not isinstance(prefix, str) or not 0 < len(prefix) <= 10 or "\n" in prefix
    ):
        errors.append(_("comment_prefix: must be text of 1 to 10 characters, or null."))
    has_header = mapping.get("has_header", True)
    if not isinstance(has_header, bool):
        errors.append(_("has_header: must be true or false."))
    elif has_header and "columns" in mapping:
        errors.append(_("columns: only for a report without a header (has_header false)."))
    elif not has_header:
        errors += _columns_errors(mapping)
    return errors


def _columns_errors(mapping: dict[str, Any]) -> list[str]:
    columns = mapping.get("columns")
    if columns is None:
        return [_("columns: name the columns of a report without a header.")]
    errors = _names_errors("columns", columns)
    if errors:
        return errors
    fields, extra = _dict_at(mapping, "fields"), _list_at(mapping, "extra")
    named = set(columns)
    errors += [
        _("fields.%(field)s: column “%(column)s” is not in columns.")
        % {"field": name, "column": source}
        for name, source in fields.items()
        if isinstance(source, str) and source not in named
    ]
    errors += [
        _("extra: column “%(column)s” is not in columns.") % {"column": name}
        for name in extra
        if isinstance(name, str) and name not in named
    ]
    return errors
