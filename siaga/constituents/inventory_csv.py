"""The inventory as CSV: a strict reader that reports every problem, and a writer.

Columns: ``kind,name,vendor,product,version,cpe,purl,criticality,internet_exposed,location,notes``
(in any order, all present). Rows are numbered as a spreadsheet shows them: the header is row 1.
The reader never raises anything but ``InventoryCsvError``; nothing is saved here.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from siaga.constituents.choices import Criticality
from siaga.constituents.models import InventoryItem

COLUMNS = (
    "kind",
    "name",
    "vendor",
    "product",
    "version",
    "cpe",
    "purl",
    "criticality",
    "internet_exposed",
    "location",
    "notes",
)
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 10_000
MAX_ERRORS = 200  # enough to fix a file; a file that is all wrong says so soon enough
TRUE_WORDS = frozenset({"yes", "y", "true", "1", "ya"})
FALSE_WORDS = frozenset({"no", "n", "false", "0", "tidak", ""})
# A spreadsheet runs a cell that starts with one of these as a formula: exports quote them with
# an apostrophe (and imports drop it), so an item named "=HYPERLINK(...)" stays text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class RowError:
    row: int | None  # None: the file as a whole
    column: str  # "" when not about one column
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(_("row %(row)d") % {"row": self.row})
        if self.column:
            where.append(_("column %(column)s") % {"column": self.column})
        return f"{', '.join(where)}: {self.message}" if where else self.message


class InventoryCsvError(Exception):
    """The file cannot be imported; ``errors`` says where and why."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(str(error) for error in errors[:5]))
        self.errors = errors


@dataclass
class ParsedRow:
    row: int
    item: InventoryItem  # validated, not saved, without an organization


def _file_error(message: str) -> InventoryCsvError:
    return InventoryCsvError([RowError(None, "", message)])


def decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise _file_error(
            _("The file is larger than %(size)d MB.") % {"size": MAX_BYTES // (1024 * 1024)}
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _file_error(
            _("The file is not UTF-8 text (byte %(position)d); save it as CSV UTF-8.")
            % {"position": exc.start + 1}
        ) from None
    if "\x00" in text:
        raise _file_error(_("The file holds NUL characters; it is not a CSV text file."))
    return text


def _check_header(header: list[str]) -> list[str]:
    names = [name.strip().lower() for name in header]
    missing = [name for name in COLUMNS if name not in names]
    unknown = [name for name in names if name not in COLUMNS]
    repeated = sorted({name for name in names if names.count(name) > 1})
    problems = []
    if missing:
        problems.append(_("missing columns: %(names)s") % {"names": ", ".join(missing)})
    if unknown:
        problems.append(_("unknown columns: %(names)s") % {"names": ", ".join(unknown)})
    if repeated:
        problems.append(_("repeated columns: %(names)s") % {"names": ", ".join(repeated)})
    if problems:
        raise InventoryCsvError(
            [
                RowError(
                    1,
                    "",
                    _("The first row must name the columns %(columns)s (%(problems)s).")
                    % {"columns": ",".join(COLUMNS), "problems": "; ".join(problems)},
                )
            ]
        )
    return names


def _cell(value: str) -> str:
    value = value.strip()
    if value.startswith("'") and value[1:2] in FORMULA_STARTS and value[1:2]:
        return value[1:]
    return value


def _boolean(text: str) -> bool:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValidationError(_("Enter yes or no."))


def _row_item(row_number: int, values: dict[str, str]) -> tuple[InventoryItem, list[RowError]]:
    errors: list[RowError] = []
    try:
        exposed = _boolean(values["internet_exposed"])
    except ValidationError as exc:
        errors.append(RowError(row_number, "internet_exposed", exc.messages[0]))
        exposed = False
    item = InventoryItem(
        kind=values["kind"].lower(),
        name=values["name"],
        vendor=values["vendor"],
        product=values["product"],
        version=values["version"],
        cpe=values["cpe"],
        purl=values["purl"],
        criticality=values["criticality"].lower() or Criticality.MEDIUM,
        internet_exposed=exposed,
        location=values["location"],
        notes=values["notes"],
    )
    for check in (lambda: item.clean_fields(exclude=["organization"]), item.clean):
        try:
            check()
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                column = field if field in COLUMNS else ""
                errors.extend(RowError(row_number, column, message) for message in messages)
    return item, errors


def parse_inventory_csv(data: bytes) -> list[ParsedRow]:
    """Every row of the file as a validated, unsaved item, or ``InventoryCsvError`` with all errors."""
    text = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    errors: list[RowError] = []
    rows: list[ParsedRow] = []
    seen: dict[tuple[str, ...], int] = {}
    row_number = 1
    try:
        header = next(reader, None)
        if header is None:
            raise _file_error(_("The file is empty."))
        names = _check_header(header)
        for row_number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue  # blank lines, as spreadsheets leave them
            if len(rows) + len(errors) >= MAX_ROWS:
                raise _file_error(
                    _("The file has more than %(rows)d rows; split it.") % {"rows": MAX_ROWS}
                )
            if len(cells) != len(names):
                errors.append(
                    RowError(
                        row_number,
                        "",
                        _("This row has %(found)d cells, not %(expected)d.")
                        % {"found": len(cells), "expected": len(names)},
                    )
                )
                continue
            values = {name: _cell(cell) for name, cell in zip(names, cells, strict=True)}
            item, row_errors = _row_item(row_number, values)
            key = item.match_key()
            if not row_errors and key in seen:
                row_errors.append(
                    RowError(
                        row_number,
                        "",
                        _("The same item as row %(row)d (kind, name, vendor, product, version).")
                        % {"row": seen[key]},
                    )
                )
            seen.setdefault(key, row_number)
            errors.extend(row_errors)
            if not row_errors:
                rows.append(ParsedRow(row_number, item))
            if len(errors) >= MAX_ERRORS:
                break
    except csv.Error as exc:
        errors.append(
            RowError(
                row_number + 1, "", _("The CSV cannot be read here: %(reason)s") % {"reason": exc}
            )
        )
    if errors:
        raise InventoryCsvError(errors)
    return rows


def _export_cell(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_inventory_csv(items: Iterable[InventoryItem]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for item in items:
        writer.writerow([_export_cell(getattr(item, name)) for name in COLUMNS])
    return out.getvalue()
