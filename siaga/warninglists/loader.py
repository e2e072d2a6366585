"""Loading warninglists in the MISP format (``lists/<name>/list.json``) into the database.

A list file is outside data: every field is checked and a bad one is refused with a message that
names it (``list[12]``, ``type``), malformed JSON with its line and column. Loading is idempotent
by name and version: the same version again changes nothing; another version replaces the
metadata and every entry in one transaction, so a reader never sees half a list.
"""

from __future__ import annotations

import ipaddress
import json
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from siaga.warninglists.choices import ListType
from siaga.warninglists.models import MAX_ENTRY_LENGTH, Warninglist, WarninglistEntry

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ENTRIES = 1_000_000
MAX_REGEX_LENGTH = 500
BATCH_SIZE = 5000  # entries per INSERT: a few hundred kB per statement
MAX_VERSION = 2**63 - 1


class WarninglistFormatError(ValidationError):
    """A list file that is not a valid warninglist; the message says where and why."""


@dataclass(frozen=True)
class ParsedList:
    """A validated list file, ready to store."""

    name: str
    version: int
    description: str
    type: str
    category: str
    matching_attributes: list[str]
    values: list[str] = field(repr=False)


@dataclass(frozen=True)
class LoadResult:
    warninglist: Warninglist
    outcome: str  # "created", "replaced" or "unchanged"


def _fail(message: str) -> WarninglistFormatError:
    return WarninglistFormatError(message)


# --- Parsing and validation ------------------------------------------------------------------------


def read_json(source: str | bytes | Path | dict[str, Any]) -> dict[str, Any]:
    """The JSON object of a list: a dict as is, a path's file, or JSON text."""
    if isinstance(source, dict):
        return source
    if isinstance(source, Path) or (isinstance(source, str) and not _looks_like_json(source)):
        return _parse_text(_read_file(Path(source)))
    return _parse_text(source)


def _looks_like_json(text: str) -> bool:
    return text.lstrip()[:1] in ("{", "[")


def _read_file(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise _fail(gettext("%(path)s is larger than 50 MB.") % {"path": path})
        return path.read_bytes()
    except OSError as exc:
        raise _fail(
            gettext("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc.strerror}
        ) from None


def _parse_text(text: str | bytes) -> dict[str, Any]:
    if len(text) > MAX_FILE_BYTES:
        raise _fail(gettext("The list is larger than 50 MB."))
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise _fail(
                gettext("The list is not UTF-8 text (byte %(position)d).") % {"position": exc.start}
            ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _fail(
            gettext("Malformed JSON at line %(line)d, column %(column)d: %(error)s.")
            % {"line": exc.lineno, "column": exc.colno, "error": exc.msg}
        ) from None
    except RecursionError:
        raise _fail(gettext("The JSON is nested too deeply.")) from None
    if not isinstance(data, dict):
        raise _fail(gettext("The list must be a JSON object with name, type and list."))
    return data


def _text(data: dict[str, Any], name: str, *, required: bool, max_length: int) -> str:
    value = data.get(name)
    if value is None:
        if required:
            raise _fail(gettext("The field %(field)s is missing.") % {"field": name})
        return ""
    if not isinstance(value, str):
        raise _fail(gettext("The field %(field)s must be a string.") % {"field": name})
    value = value.strip()
    if "\x00" in value:
        raise _fail(gettext("The field %(field)s contains a NUL character.") % {"field": name})
    if required and not value:
        raise _fail(gettext("The field %(field)s is empty.") % {"field": name})
    if len(value) > max_length:
        raise _fail(
            gettext("The field %(field)s is longer than %(max)d characters.")
            % {"field": name, "max": max_length}
        )
    return value


def _version(data: dict[str, Any]) -> int:
    value = data.get("version")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_VERSION:
        raise _fail(gettext("The field version must be a whole number such as 20240615."))
    return value


def _list_type(data: dict[str, Any]) -> str:
    value = data.get("type", ListType.STRING)  # MISP's default when the field is absent
    if value not in ListType.values:
        raise _fail(
            gettext("The field type must be one of %(choices)s.")
            % {"choices": ", ".join(ListType.values)}
        )
    return str(value)


def _matching_attributes(data: dict[str, Any]) -> list[str]:
    value = data.get("matching_attributes", [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _fail(gettext("The field matching_attributes must be a list of strings."))
    return sorted({item.strip() for item in value if item.strip() and "\x00" not in item})


def _check_entry(kind: str, position: int, value: str) -> str:
    where = f"list[{position}]"
    if "\x00" in value:  # PostgreSQL text cannot hold it
        raise _fail(gettext("%(where)s contains a NUL character.") % {"where": where})
    if len(value) > MAX_ENTRY_LENGTH:
        raise _fail(
            gettext("%(where)s is longer than %(max)d characters.")
            % {"where": where, "max": MAX_ENTRY_LENGTH}
        )
    if kind == ListType.CIDR:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise _fail(
                gettext("%(where)s: %(value)s is not an IP address or network.")
                % {"where": where, "value": value[:100]}
            ) from None
    elif kind == ListType.REGEX:
        _check_regex(where, value)
    elif kind == ListType.HOSTNAME and (not host_key(value) or any(c.isspace() for c in value)):
        raise _fail(
            gettext("%(where)s: %(value)s is not a host name.")
            % {"where": where, "value": value[:100]}
        )
    return value


def _check_regex(where: str, pattern: str) -> None:
    if len(pattern) > MAX_REGEX_LENGTH:
        raise _fail(
            gettext("%(where)s: a regular expression may be at most %(max)d characters long.")
            % {"where": where, "max": MAX_REGEX_LENGTH}
        )
    try:
        with warnings.catch_warnings():
            # Python warns of syntax that may change meaning ("[[" nested sets); the list's
            # author cannot act on that, and the pattern compiles as it does today.
            warnings.simplefilter("ignore", FutureWarning)
            re.compile(regex_body(pattern))
    except (re.error, RecursionError, OverflowError) as exc:
        raise _fail(
            gettext("%(where)s: invalid regular expression: %(error)s.")
            % {"where": where, "error": exc}
        ) from None


def host_key(value: str) -> str:
    """A hostname-list value as the matcher compares it: lower-case, without the leading ``.`` or
    ``*.`` MISP uses to say "and its subdomains" (every hostname entry means that) or a final dot."""
    value = value.strip().lower().rstrip(".")
    return value.removeprefix("*.").lstrip(".")


def regex_body(pattern: str) -> str:
    """MISP writes regexes PHP-style (``/pattern/i``); Python wants the pattern and flags apart."""
    match = re.fullmatch(r"/(.*)/([imsx]*)", pattern, re.DOTALL)
    if match is None:
        return pattern
    flags = "".join(sorted(set(match.group(2))))
    return f"(?{flags}:{match.group(1)})" if flags else match.group(1)


def _values(data: dict[str, Any], kind: str) -> list[str]:
    raw = data.get("list")
    if raw is None:
        raise _fail(gettext("The field list is missing."))
    if not isinstance(raw, list):
        raise _fail(gettext("The field list must be a list of strings."))
    if len(raw) > MAX_ENTRIES:
        raise _fail(gettext("A list may hold at most %(max)d values.") % {"max": MAX_ENTRIES})
    values: dict[str, None] = {}  # ordered and without duplicates
    for position, item in enumerate(raw):
        if not isinstance(item, str):
            raise _fail(gettext("list[%(position)d] must be a string.") % {"position": position})
        item = item.strip()
        if item:  # MISP lists occasionally carry a blank line; it matches nothing
            values[_check_entry(kind, position, item)] = None
    if not values:
        raise _fail(gettext("The field list holds no values."))
    return list(values)


def parse_warninglist(source: str | bytes | Path | dict[str, Any]) -> ParsedList:
    """Read and validate a list; WarninglistFormatError naming the problem if it is not one."""
    data = read_json(source)
    kind = _list_type(data)
    return ParsedList(
        name=_text(data, "name", required=True, max_length=200),
        version=_version(data),
        description=_text(data, "description", required=False, max_length=10_000),
        type=kind,
        category=_text(data, "category", required=False, max_length=100),
        matching_attributes=_matching_attributes(data),
        values=_values(data, kind),
    )


# --- Storing ---------------------------------------------------------------------------------------


def store_warninglist(
    parsed: ParsedList, *, source: str = "", uploaded_by: Any = None
) -> LoadResult:
    """Create the list, or replace an older or newer version of it; the same version is a no-op."""
    from siaga.warninglists.matching import bump_version

    with transaction.atomic():
        existing = Warninglist.objects.select_for_update().filter(name=parsed.name).first()
        if existing is not None and existing.version == parsed.version:
            return LoadResult(existing, "unchanged")
        warninglist = existing or Warninglist(name=parsed.name)
        for attribute in ("version", "description", "type", "category", "matching_attributes"):
            setattr(warninglist, attribute, getattr(parsed, attribute))
        warninglist.source = source[:500]
        warninglist.uploaded_by = uploaded_by
        warninglist.entry_count = len(parsed.values)
        warninglist.loaded_at = timezone.now()
        warninglist.save()
        if existing is not None:
            existing.entries.all().delete()
        _insert_entries(warninglist.pk, parsed.values)
        # The list's save above is in the audit trail (version, entry count, source, who).
        transaction.on_commit(bump_version)
    return LoadResult(warninglist, "replaced" if existing is not None else "created")


def _insert_entries(list_id: int, values: list[str]) -> None:
    """COPY on PostgreSQL; plain ``executemany`` in batches elsewhere. The ORM's bulk_create builds
    a model instance and SQL for each of tens of thousands of two-column rows: several times
    slower on both databases."""
    table = connection.ops.quote_name(WarninglistEntry._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} (warninglist_id, value) FROM STDIN") as copy:
                for value in values:
                    copy.write_row((list_id, value))
            return
        sql = f"INSERT INTO {table} (warninglist_id, value) VALUES (%s, %s)"  # noqa: S608
        for start in range(0, len(values), BATCH_SIZE):
            cursor.executemany(sql, [(list_id, v) for v in values[start : start + BATCH_SIZE]])


def load_warninglist_result(
    source: str | bytes | Path | dict[str, Any], *, label: str = "", uploaded_by: Any = None
) -> LoadResult:
    if not label and isinstance(source, Path | str) and not _looks_like_json(str(source)):
        label = str(source)
    return store_warninglist(parse_warninglist(source), source=label, uploaded_by=uploaded_by)


def load_warninglist(
    path_or_json: str | bytes | Path | dict[str, Any], *, label: str = "", uploaded_by: Any = None
) -> Warninglist:
    """Load one list (a path, JSON text or a parsed object); see the module docstring."""
    return load_warninglist_result(path_or_json, label=label, uploaded_by=uploaded_by).warninglist


def list_files(directory: Path) -> list[Path]:
    """The list files of a directory: ``*/list.json`` (the MISP layout) or ``*.json``."""
    files = sorted(directory.glob("*/list.json"))
    return files or sorted(directory.glob("*.json"))


def load_directory(directory: str | Path) -> list[LoadResult]:
    """Load every list of a directory, each in its own transaction; stops at the first bad file
    with an error naming it (the lists before it stay loaded)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise _fail(gettext("%(path)s is not a directory.") % {"path": directory})
    results = []
    for path in list_files(directory):
        try:
            results.append(load_warninglist_result(path))
        except WarninglistFormatError as exc:
            raise _fail(f"{path}: {' '.join(exc.messages)}") from None
    return results
