"""The Shadowserver report table: report types, their field rules, and reading the table file.

The table has the shape of the schema Shadowserver publishes for its reports: per report type a
``file_name`` key found in the report's file name, ``constant_fields`` (the RSIT classification,
the protocol), and ``required_fields`` / ``optional_fields`` as ``[field, column, conversion]``.
An operator can point ``SIAGA_SHADOWSERVER_SCHEMA`` at a newer file from Shadowserver; an entry
Siaga cannot use is left out with its reason (``read_schema(...).problems``), the others still work.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from siaga.feeds import harmonized

DEFAULT_SCHEMA = Path(__file__).resolve().parent.parent / "shadowserver_schema.json"
PROVIDER = "Shadowserver"
CONVERSIONS = frozenset(
    {
        "add_UTC_to_timestamp",
        "convert_int",
        "convert_float",
        "invalidate_zero",
        "convert_bool",
        "validate_to_none",
        "validate_ip",
        "validate_network",
        "validate_fqdn",
        "convert_http_host_and_url",
    }
)
# Conversions whose results are JSON numbers or booleans in ``extra``.
# Conversions a present value can fail; the others accept any text.
FALLIBLE_CONVERSIONS = frozenset(
    {
        "add_UTC_to_timestamp",
        "convert_int",
        "convert_float",
        "invalidate_zero",
        "convert_bool",
        "validate_fqdn",
    }
)
ADDRESS_CONVERSIONS = frozenset({"validate_ip", "validate_network"})


class SchemaError(ValueError):
    """The report table is not usable; the message names the entry and the problem."""


@dataclass(frozen=True)
class FieldRule:
    field: str  # a harmonized field, or "extra." (the column's own name under extra), or "extra.x"
    column: str
    conversion: str | None

    @property
    def extra_key(self) -> str | None:
        """The key under ``extra`` this rule writes, or None for a harmonized field."""
        if not self.field.startswith(harmonized.EXTRA_PREFIX):
            return None
        return self.field.removeprefix(harmonized.EXTRA_PREFIX) or self.column


@dataclass(frozen=True)
class ReportType:
    key: str  # the report's file_name
    feed_name: str
    constant_fields: dict[str, str]
    required_fields: tuple[FieldRule, ...]
    optional_fields: tuple[FieldRule, ...]

    @property
    def rules(self) -> tuple[FieldRule, ...]:
        return self.required_fields + self.optional_fields

    @property
    def columns(self) -> set[str]:
        return {rule.column for rule in self.rules}


# --- The table -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadedSchema:
    types: dict[str, ReportType]
    # Entries left out, each with its reason: one bad entry in a file from Shadowserver must not
    # stop every other report type from being parsed.
    problems: tuple[str, ...]


def load_schema(path: Path | None = None) -> dict[str, ReportType]:
    """The report types of a schema file (default: the configured one, else the bundled table)."""
    return read_schema(path).types


def read_schema(path: Path | None = None) -> LoadedSchema:
    """The report types of a schema file and the entries that were left out, with why."""
    if path is None:
        configured = getattr(settings, "SIAGA_SHADOWSERVER_SCHEMA", "") or ""
        path = Path(configured) if configured else DEFAULT_SCHEMA
    return _read_schema(Path(path).resolve())


@functools.lru_cache(maxsize=4)
def _read_schema(path: Path) -> LoadedSchema:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SchemaError(f"{path}: cannot read the Shadowserver schema: {exc}") from None
    if not isinstance(document, dict):
        raise SchemaError(f"{path}: the schema must be a JSON object of report types")
    types: dict[str, ReportType] = {}
    problems: list[str] = []
    for name, entry in document.items():
        try:
            report = _report_type(name, entry)
        except SchemaError as exc:
            problems.append(str(exc))
            continue
        types[report.key] = report
    return LoadedSchema(types, tuple(problems))


def _report_type(name: str, entry: Any) -> ReportType:
    if not isinstance(entry, dict):
        raise SchemaError(f"report {name!r}: must be an object")
    key = entry.get("file_name") or name
    feed_name = entry.get("feed_name") or name
    constants = entry.get("constant_fields") or {}
    if not isinstance(constants, dict) or not all(isinstance(v, str) for v in constants.values()):
        raise SchemaError(f"report {name!r}: constant_fields must map fields to text")
    for field in constants:
        if not harmonized.is_field(field):
            raise SchemaError(f"report {name!r}: unknown field {field!r} in constant_fields")
    return ReportType(
        key=str(key),
        feed_name=str(feed_name),
        constant_fields=dict(constants),
        required_fields=_rules(name, "required_fields", entry.get("required_fields") or []),
        optional_fields=_rules(name, "optional_fields", entry.get("optional_fields") or []),
    )


def _rules(name: str, part: str, items: Any) -> tuple[FieldRule, ...]:
    if not isinstance(items, list):
        raise SchemaError(f"report {name!r}: {part} must be a list")
    rules = []
    for position, item in enumerate(items, 1):
        where = f"report {name!r}, {part} #{position}"
        if not (isinstance(item, list) and 2 <= len(item) <= 3):
            raise SchemaError(f"{where}: must be [field, column] or [field, column, conversion]")
        field, column, *rest = item
        conversion = rest[0] if rest else None
        if not (harmonized.is_field(field) or field == harmonized.EXTRA_PREFIX):
            raise SchemaError(f"{where}: unknown field {field!r}")
        if not isinstance(column, str) or not column:
            raise SchemaError(f"{where}: the column must be a name")
        if conversion is not None and conversion not in CONVERSIONS:
            raise SchemaError(f"{where}: unknown conversion {conversion!r}")
        rules.append(FieldRule(field, column, conversion))
    return tuple(rules)


def detect_report(file_name: str, schema: dict[str, ReportType] | None = None) -> ReportType | None:
    """The report type whose key is the longest one contained in the file's name."""
    schema = load_schema() if schema is None else schema
    name = Path(file_name).name.lower()
    found = [report for key, report in schema.items() if key.lower() in name]
    return max(found, key=lambda report: len(report.key), default=None)
